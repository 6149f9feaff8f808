// The server's log on stderr: one line per event, as `flint: <level> <event> key=value ...` or,
// with --log-format json, one JSON object per line ({"time", "level", "event", then the fields}).
// Callers pass what may be logged: route patterns, ids, status codes and redacted messages, never
// query values, tokens or bodies.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flint::log {

enum class Format { Text, Json };

// Set once at start-up, before any thread logs.
void setFormat(Format format);

using Fields = std::vector<std::pair<std::string, std::string>>;

void error(std::string_view event, const Fields& fields = {});
void warning(std::string_view event, const Fields& fields = {});
void info(std::string_view event, const Fields& fields = {});

// `message` (an exception's) with what may come from a request taken out: quoted text ("…" or
// '…', which is how PostgreSQL and Flint quote values, names and input) and anything after the
// first line (PostgreSQL's DETAIL, which repeats a row's values).
std::string redacted(std::string_view message);

}  // namespace flint::log
