// Text that came from a file (tensor, node, input and class names, attribute values, error
// messages quoting them) made safe to print. The one place output is scrubbed: the CLI sends
// every JSON document through JsonDump and every terminal line through TerminalText, and
// library code that renders JSON into a message uses JsonDump too.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pt2tf {

// A JSON document as text; never throws. Valid UTF-8 is kept as it is (lossless; control
// characters are escaped by JSON), each invalid byte becomes U+FFFD.
std::string JsonDump(const nlohmann::json& j, int indent = -1);
std::string JsonDump(const nlohmann::ordered_json& j, int indent = -1);

// Text for a terminal: each invalid UTF-8 byte becomes U+FFFD, and control characters (C0
// other than newline and tab, DEL, C1 — escape sequences could rewrite the screen) become
// '?'. Valid printable UTF-8 is kept.
std::string TerminalText(std::string_view text);

}  // namespace pt2tf
