// web_assets.h - the dashboard's static files (web/: HTML, JS, CSS and the
// pinned uPlot from npm), embedded in the binary at build time.
//
// cmake/embed_assets.cmake generates the definition (build/generated/
// web_assets.cc) from web/ and web/node_modules/uplot/dist: one entry per
// file with its path under /ui/, its Content-Type and a strong ETag (the
// first 64 bits of its SHA-256, quoted). Nothing is read from disk at run
// time and nothing is loaded from elsewhere by the pages.
// Thread safety: immutable data.
#ifndef MAILLENS_DASHBOARD_WEB_ASSETS_H_
#define MAILLENS_DASHBOARD_WEB_ASSETS_H_

#include <span>
#include <string_view>

namespace maillens {

struct WebAsset {
  std::string_view name;          // e.g. "dashboard.js", served as /ui/dashboard.js
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view etag;          // "\"0123456789abcdef\""
  std::string_view body;
};

// Every embedded file, in web/'s order.
std::span<const WebAsset> WebAssets();

}  // namespace maillens

#endif  // MAILLENS_DASHBOARD_WEB_ASSETS_H_
