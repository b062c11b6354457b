// filter_links.cc - FilterLinks.
#include "assemble/filter_links.h"

namespace maillens {

const std::string& FilterLinks::Key(std::string_view host, std::string_view filter_id,
                                    std::string_view recipient) {
  key_.assign(host);
  key_.push_back('\0');
  key_.append(filter_id);
  if (!recipient.empty()) {
    key_.push_back('\0');
    key_.append(recipient);
  }
  return key_;
}

void FilterLinks::Put(std::string_view queue_id) {
  auto [it, added] = links_.try_emplace(key_);
  it->second.assign(queue_id);
  if (!added) return;
  order_.push_back(key_);
  if (order_.size() > kMaxLinks) {
    links_.erase(order_.front());
    order_.pop_front();
  }
}

void FilterLinks::Note(std::string_view host, std::string_view filter_id, std::string_view recipient,
                       std::string_view queue_id) {
  Key(host, filter_id, recipient);
  Put(queue_id);
  Key(host, filter_id, {});
  Put(queue_id);
}

std::string_view FilterLinks::Find(std::string_view host, std::string_view filter_id,
                                   std::string_view recipient) {
  if (links_.empty()) return {};
  if (!recipient.empty()) {
    auto it = links_.find(Key(host, filter_id, recipient));
    if (it != links_.end()) return it->second;
  }
  auto it = links_.find(Key(host, filter_id, {}));
  return it != links_.end() ? std::string_view(it->second) : std::string_view();
}

}  // namespace maillens
