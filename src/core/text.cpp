#include "pt2tf/text.h"

#include <cstdint>

namespace pt2tf {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates, nothing past
// U+10FFFF). Returns its length with *valid = true, or, when it is not well formed, the
// length of its maximal valid prefix (at least 1) with *valid = false: that prefix becomes
// one U+FFFD, as Unicode recommends and as nlohmann's replacing dump() does.
size_t Utf8Sequence(std::string_view s, size_t i, bool* valid) {
  const uint8_t c = static_cast<uint8_t>(s[i]);
  *valid = true;
  if (c < 0x80) return 1;
  size_t len;
  uint8_t lo = 0x80, hi = 0xbf;  // the allowed range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    *valid = false;
    return 1;
  }
  for (size_t k = 1; k < len; ++k) {
    const uint8_t b = i + k < s.size() ? static_cast<uint8_t>(s[i + k]) : 0;
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) {
      *valid = false;
      return k;
    }
  }
  return len;
}

}  // namespace

std::string JsonDump(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string JsonDump(const nlohmann::ordered_json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string TerminalText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    bool valid;
    const size_t len = Utf8Sequence(text, i, &valid);
    const uint8_t c = static_cast<uint8_t>(text[i]);
    if (!valid) {
      out += kReplacement;
    } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ||
               (c == 0xc2 && static_cast<uint8_t>(text[i + 1]) < 0xa0)) {
      out += '?';  // C0, DEL, or C1 (U+0080..U+009F, encoded C2 80..C2 9F)
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

}  // namespace pt2tf
