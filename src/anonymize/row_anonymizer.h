// row_anonymizer.h - export records pseudonymised as `anonymize` pseudonymises the log.
//
// AnonymizingRowWriter sits in front of any RowWriter (`export --anonymize`):
// each text value of a column that names someone goes through the
// Anonymizer as that kind of value (from/to/orig_to: addresses, sasl_user:
// a user, client_addr and an IP syslog host: addresses, helo: a host name,
// message_id, and client/relay/reason as free text); other values pass as
// they are. With the key of `anonymize`, the records equal those exported
// from the anonymised log.
// Thread safety: one thread at a time (as the Anonymizer).
#ifndef MAILLENS_ANONYMIZE_ROW_ANONYMIZER_H_
#define MAILLENS_ANONYMIZE_ROW_ANONYMIZER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "anonymize/anonymizer.h"
#include "export/row_writer.h"

namespace maillens::anonymize {

class AnonymizingRowWriter : public exporter::RowWriter {
 public:
  // `next` and `anonymizer` must outlive the writer.
  AnonymizingRowWriter(exporter::RowWriter* next, Anonymizer* anonymizer);

  bool Wants(exporter::RecordKind kind) const override { return next_->Wants(kind); }
  void BeginRow(exporter::RecordKind kind) override;
  void Null() override;
  void Text(std::string_view v) override;
  void Int(int64_t v) override;
  void Real(std::string_view text, double value) override;
  void Bool(bool v) override;
  void Time(const exporter::Timestamp& t) override;
  void EndRow() override;
  Status Finish() override { return next_->Finish(); }

 private:
  enum class Kind : uint8_t { kKeep, kAddress, kUser, kHost, kSyslogHost, kIp, kMessageId, kText };
  exporter::RowWriter* next_;
  Anonymizer* anonymizer_;
  std::vector<Kind> kinds_[4];  // per record kind, per column
  const std::vector<Kind>* row_ = nullptr;
  exporter::RecordKind kind_ = exporter::RecordKind::kMessages;
  size_t col_ = 0;
  std::string buf_;
};

}  // namespace maillens::anonymize

#endif  // MAILLENS_ANONYMIZE_ROW_ANONYMIZER_H_
