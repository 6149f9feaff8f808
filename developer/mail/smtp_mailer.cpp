#include "developer/mail/smtp_mailer.h"

#include <curl/curl.h>

#include <cstring>
#include <ctime>

#include "core/clock.h"
#include "core/crypto/digest.h"

namespace flint::developer {
namespace {

std::string headerValue(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c != '\r' && c != '\n') out += c;
  return out;
}

// The address part of "Name <address>" or a bare address, for the envelope.
std::string envelopeAddress(const std::string& address) {
  const size_t open = address.rfind('<'), close = address.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open)
    return address.substr(open, close - open + 1);
  return "<" + headerValue(address) + ">";
}

bool isLoopbackUrl(const std::string& url) {
  CURLU* parsed = curl_url();
  char* host = nullptr;
  bool loopback = false;
  if (curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(parsed, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
    const std::string h = host;
    loopback = h == "localhost" || h.rfind("127.", 0) == 0 || h == "[::1]";
  }
  curl_free(host);
  curl_url_cleanup(parsed);
  return loopback;
}

struct Upload {
  const std::string& data;
  size_t offset = 0;
};

size_t readUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

}  // namespace

std::string formatMessage(const Mail& mail, const std::string& from, int64_t epochSeconds, const std::string& messageId) {
  char date[64];
  const std::time_t t = epochSeconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  std::string message = "Date: " + std::string(date) + "\r\nFrom: " + headerValue(from) + "\r\nTo: " + headerValue(mail.to) +
                        "\r\nSubject: " + headerValue(mail.subject) + "\r\nMessage-ID: <" + headerValue(messageId) +
                        ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        "Content-Transfer-Encoding: 8bit\r\n\r\n";
  for (char c : mail.body) {
    if (c == '\r') continue;
    if (c == '\n') message += '\r';
    message += c;
  }
  if (message.size() < 2 || message.compare(message.size() - 2, 2, "\r\n") != 0) message += "\r\n";
  return message;
}

void sendMail(const SmtpSettings& settings, const Mail& mail) {
  const std::string domain = settings.from.substr(settings.from.rfind('@') + 1);
  const std::string message = formatMessage(mail, settings.from, epochSeconds(),
                                            crypto::randomToken(16) + "@" + headerValue(domain.substr(0, domain.find('>'))));
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw SmtpError("cannot start an SMTP session");
  const std::string sender = envelopeAddress(settings.from);
  curl_slist* recipients = curl_slist_append(nullptr, envelopeAddress(mail.to).c_str());
  Upload upload{message};
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, settings.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, sender.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, readUpload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  // smtps:// is TLS from the start; smtp:// must upgrade with STARTTLS, except to a relay on this
  // machine, where nothing crosses a network.
  curl_easy_setopt(curl, CURLOPT_USE_SSL, long(isLoopbackUrl(settings.url) ? CURLUSESSL_TRY : CURLUSESSL_ALL));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const CURLcode result = curl_easy_perform(curl);
  curl_slist_free_all(recipients);
  curl_easy_cleanup(curl);
  if (result != CURLE_OK) throw SmtpError(error[0] != '\0' ? error : curl_easy_strerror(result));
}

}  // namespace flint::developer
