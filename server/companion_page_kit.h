// What the provider companion's pages share: the templates (web/companion/pages.html), the page
// frame with its sign-out form, redirects, form bodies, and how records read on a phone (a
// patient's name, a coded value, a date).
#pragma once

#include <map>
#include <string>

#include "companion/apps/declared_apps.h"
#include "core/instances/instance.h"
#include "core/json/json_value.h"
#include "server/http/http_request.h"
#include "server/http/http_response.h"

namespace flint::server::companion_pages {

inline constexpr const char* kCookie = "flint_companion";

std::string fill(const std::string& page, const std::map<std::string, std::string>& values);
// The page in its frame; `sessionToken` empty: signed out (no sign-out form).
http::HttpResponse page(int status, const instances::Instance& instance, const std::string& title, const std::string& content,
                        const std::string& sessionToken);
std::map<std::string, std::string> formOf(const http::HttpRequest& request);
// An https icon is the app's own; a package path has no file here, so Flint draws the initial.
std::string iconUrl(const companion::CompanionApp& app, const std::string& base);

std::string humanName(const json::Value& resource);
// A CodeableConcept's text, or its first coding's display or code.
std::string conceptText(const json::Value* codeable);
// "Name · born 1970-02-03 · female · MRN 123": the banner of a Patient.
std::string patientBanner(const json::Value& patient);

}  // namespace flint::server::companion_pages
