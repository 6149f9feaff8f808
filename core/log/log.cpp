#include "core/log/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/json/json_writer.h"

namespace flint::log {
namespace {

Format format = Format::Text;

std::string utcNow() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  return buf;
}

// A text value as one token: quoted when it holds a space, a quote or an equals sign.
void appendTextValue(std::string& out, const std::string& value) {
  if (!value.empty() && value.find_first_of(" \"=\n") == std::string::npos) {
    out += value;
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  out += '"';
}

void write(std::string_view level, std::string_view event, const Fields& fields) {
  std::string line;
  if (format == Format::Json) {
    line = "{\"time\":\"" + utcNow() + "\",\"level\":";
    json::writeString(line, level);
    line += ",\"event\":";
    json::writeString(line, event);
    for (const auto& [key, value] : fields) {
      line += ',';
      json::writeString(line, key);
      line += ':';
      json::writeString(line, value);
    }
    line += "}\n";
  } else {
    line = "flint: ";
    line.append(level);
    line += ' ';
    line.append(event);
    for (const auto& [key, value] : fields) {
      line += ' ' + key + '=';
      appendTextValue(line, value);
    }
    line += '\n';
  }
  // One write per line, so that lines of threads logging at once do not interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

void setFormat(Format f) { format = f; }

void error(std::string_view event, const Fields& fields) { write("error", event, fields); }
void warning(std::string_view event, const Fields& fields) { write("warning", event, fields); }
void info(std::string_view event, const Fields& fields) { write("info", event, fields); }

std::string redacted(std::string_view message) {
  message = message.substr(0, message.find('\n'));
  std::string out;
  char quote = 0;
  for (char c : message) {
    if (quote != 0) {
      if (c == quote) {
        out += "…";
        out += c;
        quote = 0;
      }
      continue;
    }
    out += c;
    if (c == '"' || c == '\'') quote = c;
  }
  if (quote != 0) out += "…";
  return out;
}

}  // namespace flint::log
