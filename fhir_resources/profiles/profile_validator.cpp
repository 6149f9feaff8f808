#include "fhir_resources/profiles/profile_validator.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include "core/json/json_writer.h"
#include "fhir_resources/definitions/definitions.h"

namespace flint::fhir {
namespace {

using fhirpath::Item;

constexpr size_t kMaxIssues = 50;

// FHIR pattern[x]: every member the pattern has, the value has with a matching value; each item
// of a pattern array matches some item of the value's array.
bool matchesPattern(const json::Value& value, const json::Value& pattern) {
  if (pattern.isObject()) {
    if (!value.isObject()) return false;
    for (const auto& [key, p] : pattern.members()) {
      const json::Value* v = value.find(key);
      if (v == nullptr || !matchesPattern(*v, p)) return false;
    }
    return true;
  }
  if (pattern.isArray()) {
    if (!value.isArray()) return false;
    for (const auto& p : pattern.items())
      if (std::none_of(value.items().begin(), value.items().end(), [&](const json::Value& v) { return matchesPattern(v, p); }))
        return false;
    return true;
  }
  return json::sameValue(value, pattern);
}

std::string stem(const std::string& name) { return name.substr(0, name.size() - (name.size() > 3 && name.compare(name.size() - 3, 3, "[x]") == 0 ? 3 : 0)); }

// One value of an element, with the expression that locates it in the resource; a primitive's
// id and extensions are in `primitiveExtension` (its "_name" member).
struct Located {
  Item item;
  std::string expr;
  const json::Value* primitiveExtension = nullptr;
};

// The values of member `name` (value[x]: any of its variants) of `parent`.
std::vector<Located> members(const Located& parent, const std::string& name) {
  std::vector<Located> out;
  Item p = parent.item;
  std::string parentExpr = parent.expr;
  if (p.kind == Item::Kind::Node && !p.value->isObject() && parent.primitiveExtension != nullptr &&
      parent.primitiveExtension->isObject()) {
    p.value = parent.primitiveExtension;  // a primitive's extensions: members of its "_name"
    parentExpr = parentExpr.substr(0, parentExpr.rfind('.') + 1) + "_" + parentExpr.substr(parentExpr.rfind('.') + 1);
  }
  if (p.kind != Item::Kind::Node || !p.value->isObject() || p.children == nullptr) return out;
  auto add = [&](const std::string& key, const json::Value& value, const ChildElement& child) {
    std::string_view type = !child.type.empty() ? std::string_view(child.type)
                            : child.def->types.empty() ? std::string_view("BackboneElement")
                                                       : std::string_view(child.def->types.front());
    const json::Value* extensions = p.value->find("_" + key);
    auto one = [&](const json::Value& v, std::string expr, const json::Value* extension) {
      if (v.isNull()) return;
      Item item;
      item.value = &v;
      item.type = type;
      item.children = child.children;
      if (type == "Resource") {
        if (const json::Value* rt = v.find("resourceType"); rt != nullptr && rt->isString()) item.type = rt->text();
        item.children = Definitions::get().children(item.type, "");
      }
      out.push_back({item, std::move(expr), extension});
    };
    const std::string base = parentExpr + "." + key;
    if (value.isArray()) {
      for (size_t i = 0; i < value.items().size(); ++i) {
        const bool parallel = extensions != nullptr && extensions->isArray() && i < extensions->items().size();
        one(value.items()[i], base + "[" + std::to_string(i) + "]", parallel ? &extensions->items()[i] : nullptr);
      }
    } else {
      one(value, base, extensions);
    }
  };
  const bool choice = name.size() > 3 && name.compare(name.size() - 3, 3, "[x]") == 0;
  if (!choice) {
    auto it = p.children->byName.find(name);
    const json::Value* value = p.value->find(name);
    if (it != p.children->byName.end() && value != nullptr) add(name, *value, it->second);
    return out;
  }
  const std::string prefix = stem(name);
  for (const auto& [key, value] : p.value->members()) {
    if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0 ||
        !std::isupper(static_cast<unsigned char>(key[prefix.size()])))
      continue;
    auto it = p.children->byName.find(key);
    if (it != p.children->byName.end() && !it->second.type.empty()) add(key, value, it->second);
  }
  return out;
}

// The resource type a Reference points to, when its `reference` says so.
std::string referencedType(const json::Value& reference, const json::Value& resource) {
  const json::Value* ref = reference.find("reference");
  if (ref == nullptr || !ref->isString()) return "";
  std::string text = ref->text();
  if (text.rfind("#", 0) == 0) {
    if (const json::Value* contained = resource.find("contained"); contained != nullptr && contained->isArray())
      for (const auto& c : contained->items())
        if (c.stringAt("id") == text.substr(1)) return c.stringAt("resourceType").value_or("");
    return "";
  }
  if (text.rfind("urn:", 0) == 0) return "";
  if (size_t history = text.find("/_history/"); history != std::string::npos) text = text.substr(0, history);
  size_t slash = text.rfind('/');
  if (slash == std::string::npos || slash == 0) return "";
  std::string type = text.substr(0, slash);
  type = type.substr(type.rfind('/') + 1);
  return Definitions::get().isResourceType(type) ? type : "";
}

class Validator {
 public:
  Validator(const json::Value& resource, const Profile& profile, ElementObserver* observer)
      : resource_(resource), resourceItem_(Item::node(resource, profile.type)), profile_(&profile), observer_(observer) {}

  std::vector<Issue> run() {
    Located root{resourceItem_, profile_->type};
    value(profile_->root(), root);
    return std::move(issues_);
  }

 private:
  void report(const std::string& severity, const std::string& code, const ProfileElement& el,
              const std::string& message, const std::string& expr) {
    if (issues_.size() >= kMaxIssues) return;
    issues_.push_back({code, profile_->name + " " + el.id + ": " + message, expr, severity});
  }
  void notChecked(const std::string& message) {
    std::string diagnostics = message + " (not checked)";
    if (notCheckedSeen_.insert(diagnostics).second && issues_.size() < kMaxIssues)
      issues_.push_back({"informational", std::move(diagnostics), "", "information"});
  }

  // The values of `el` inside one value of its parent: cardinality, slices, then each value.
  void values(const ProfileElement& el, const std::vector<Located>& found, const std::string& parentExpr) {
    const int count = static_cast<int>(found.size());
    const std::string where = parentExpr + "." + stem(el.name);
    if (count < el.min)
      report("error", "required", el,
             el.sliceName.empty() ? "at least " + std::to_string(el.min) + " required, found " + std::to_string(count)
                                  : "slice '" + el.sliceName + "' needs at least " + std::to_string(el.min) +
                                        ", found " + std::to_string(count),
             where);
    if (el.max >= 0 && count > el.max)
      report("error", "structure", el, "at most " + std::to_string(el.max) + " allowed, found " + std::to_string(count),
             where);
    for (const Located& v : found) value(el, v);
    if (el.slices.empty()) return;
    std::vector<std::vector<Located>> bySlice(el.slices.size());
    for (const Located& v : found) {
      bool matched = false;
      for (size_t s = 0; s < el.slices.size() && !matched; ++s)
        if (inSlice(el, *el.slices[s], v)) {
          bySlice[s].push_back(v);
          matched = true;
        }
      if (!matched && el.closed) report("error", "structure", el, "matches none of the slices, and the slicing is closed", v.expr);
    }
    for (size_t s = 0; s < el.slices.size(); ++s) values(*el.slices[s], bySlice[s], parentExpr);
  }

  // One value of `el`: what the element fixes about it, then its children.
  void value(const ProfileElement& el, const Located& v) {
    const Item& item = v.item;
    if (observer_ != nullptr) observer_->seen(*profile_, el, item.type);
    if (el.isChoice() && !el.allowsType(item.type)) {
      std::string allowed;
      for (const auto& t : el.types) allowed += (allowed.empty() ? "" : ", ") + t.code;
      report("error", "structure", el, "type " + std::string(item.type) + " is not allowed here (allowed: " + allowed + ")", v.expr);
      return;
    }
    if (el.fixed && !json::sameValue(*item.value, *el.fixed))
      report("error", "value", el, "must be exactly " + json::write(*el.fixed), v.expr);
    if (el.pattern && !matchesPattern(*item.value, *el.pattern))
      report("error", "value", el, "must match the pattern " + json::write(*el.pattern), v.expr);
    if (!el.requiredValueSet.empty()) binding(el, v);
    if (item.type == "Reference") reference(el, v);
    for (const auto& t : el.types)
      if (t.code == item.type && !t.profiles.empty()) typeProfiles(t, v);
    for (const auto& invariant : el.invariants) checkInvariant(el, invariant, v);
    for (const ProfileElement* child : el.children) values(*child, members(v, child->name), v.expr);
  }

  void binding(const ProfileElement& el, const Located& v) {
    const auto* codes = ProfileTable::get().valueSet(el.requiredValueSet);
    if (codes == nullptr) {
      notChecked("codes of the value set " + el.requiredValueSet + " (it is not available offline)");
      return;
    }
    if (inValueSet(v.item, *codes).value_or(true)) return;
    const json::Value& value = *v.item.value;
    std::string what = v.item.type == "CodeableConcept" ? "has no coding"
                       : value.isString()             ? "'" + value.text() + "' is not a code"
                                                      : value.stringAt("system").value_or("") + "|" +
                                                            value.stringAt("code").value_or("") + " is not a code";
    report("error", "code-invalid", el, what + " from the required value set " + el.requiredValueSet, v.expr);
  }

  // Whether a coded value is in a value set: a CodeableConcept when one of its codings is; nothing
  // for a value that is not coded.
  static std::optional<bool> inValueSet(const Item& item, const std::unordered_set<std::string>& codes) {
    const json::Value& value = *item.value;
    auto coding = [&](const json::Value& c) {
      return codes.count(c.stringAt("system").value_or("") + "|" + c.stringAt("code").value_or("")) > 0;
    };
    if (item.type == "CodeableConcept") {
      const json::Value* codings = value.find("coding");
      return codings != nullptr && codings->isArray() && std::any_of(codings->items().begin(), codings->items().end(), coding);
    }
    if (item.type == "Coding" || item.type == "Quantity") return coding(value);
    if (value.isString()) return codes.count("|" + value.text()) > 0;
    return std::nullopt;
  }

  void reference(const ProfileElement& el, const Located& v) {
    std::set<std::string> allowed;
    for (const auto& t : el.types)
      for (const auto& target : t.targetProfiles) {
        std::string type = ProfileTable::get().typeOf(target);
        if (type.empty() || type == "Resource") return;  // a target Flint cannot name: any type will do
        allowed.insert(type);
      }
    if (allowed.empty()) return;
    const std::string type = referencedType(*v.item.value, resource_);
    if (type.empty() || allowed.count(type)) return;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    report("error", "structure", el, "a reference to a " + type + " is not allowed here (allowed: " + list + ")", v.expr + ".reference");
  }

  // The value must conform to one of the element's profiles for its type (an extension's
  // definition, a US Core datatype profile). Profiles outside the table are not checked.
  void typeProfiles(const ProfileType& type, const Located& v) {
    std::vector<Validator> attempts;
    for (const auto& url : type.profiles) {
      const Profile* profile = ProfileTable::get().find(url);
      if (profile == nullptr) continue;
      Validator nested(resource_, *profile, observer_);
      nested.resourceItem_ = resourceItem_;
      nested.value(profile->root(), v);
      if (!hasErrors(nested.issues_)) {
        merge(nested);
        return;
      }
      attempts.push_back(std::move(nested));
    }
    if (!attempts.empty()) merge(attempts.front());
  }

  void merge(Validator& nested) {
    for (auto& issue : nested.issues_) {
      if (issue.severity == "information" && !notCheckedSeen_.insert(issue.diagnostics).second) continue;
      if (issues_.size() < kMaxIssues) issues_.push_back(std::move(issue));
    }
  }

  void checkInvariant(const ProfileElement& el, const Invariant& invariant, const Located& v) {
    if (!invariant.compiled) {
      notChecked("invariant " + invariant.key + " of " + profile_->name + " (" + invariant.why + ")");
      return;
    }
    std::optional<bool> holds = invariant.compiled->test(v.item, resourceItem_);
    if (!holds) {
      notChecked("invariant " + invariant.key + " of " + profile_->name + " on " + v.expr);
      return;
    }
    if (!*holds)
      report(invariant.severity == "warning" ? "warning" : "error", "invariant", el,
             invariant.key + ": " + invariant.human, v.expr);
  }

  // Whether `v`, a value of the sliced element `sliced`, belongs to `slice`.
  bool inSlice(const ProfileElement& sliced, const ProfileElement& slice, const Located& v) {
    for (const auto& d : sliced.discriminators) {
      const ProfileElement* target = at(slice, d.path);
      std::vector<Located> actual = d.path == "$this" ? std::vector<Located>{v} : follow(v, d.path);
      if (d.type == "type") {
        const ProfileElement* typed = target != nullptr ? target : &slice;
        if (actual.empty() || !std::all_of(actual.begin(), actual.end(), [&](const Located& a) { return typed->allowsType(a.item.type); }))
          return false;
      } else if (d.type == "exists") {
        if (target == nullptr) return false;
        if ((target->min >= 1 && actual.empty()) || (target->max == 0 && !actual.empty())) return false;
      } else if (d.type == "value" || d.type == "pattern") {
        const json::Value* expected = nullptr;
        std::optional<json::Value> url;
        if (target != nullptr) expected = target->fixed ? &*target->fixed : target->pattern ? &*target->pattern : nullptr;
        if (expected == nullptr && d.path == "url")
          for (const auto& t : slice.types)
            if (!t.profiles.empty()) expected = &url.emplace(json::Value::string(t.profiles.front()));
        if (expected == nullptr && target != nullptr && !target->requiredValueSet.empty()) {
          // A required binding stands for the values the slice admits (FHIR's discriminator rules).
          const auto* codes = ProfileTable::get().valueSet(target->requiredValueSet);
          if (codes == nullptr) {
            notChecked("slice " + slice.id + " of " + profile_->name + " (its value set is not available offline)");
            return false;
          }
          if (std::none_of(actual.begin(), actual.end(), [&](const Located& a) { return inValueSet(a.item, *codes) == true; }))
            return false;
          continue;
        }
        if (expected == nullptr) {
          notChecked("slice " + slice.id + " of " + profile_->name + " (its discriminator " + d.path + " has no value)");
          return false;
        }
        if (std::none_of(actual.begin(), actual.end(), [&](const Located& a) { return matchesPattern(*a.item.value, *expected); }))
          return false;
      } else if (d.type == "profile" && d.path.find("resolve()") == std::string::npos && target != nullptr) {
        // The value must conform to one of the profiles the slice gives its type.
        bool known = false, conforms = false;
        for (const auto& t : target->types)
          for (const auto& url : t.profiles)
            if (const Profile* p = ProfileTable::get().find(url)) {
              known = true;
              for (const Located& a : actual) {
                Validator nested(resource_, *p, nullptr);
                nested.resourceItem_ = resourceItem_;
                nested.value(p->root(), a);
                conforms = conforms || !hasErrors(nested.issues_);
              }
            }
        if (!known) {
          notChecked("slice " + slice.id + " of " + profile_->name + " (its profiles are not Flint's)");
          return false;
        }
        if (!conforms) return false;
      } else {
        notChecked("slice " + slice.id + " of " + profile_->name + " (a " + d.type + " discriminator on " + d.path + ")");
        return false;
      }
    }
    return true;
  }

  // The element at a dotted `path` below `from`, or `from` itself for $this.
  static const ProfileElement* at(const ProfileElement& from, const std::string& path) {
    if (path == "$this") return &from;
    const ProfileElement* current = &from;
    size_t start = 0;
    while (current != nullptr && start <= path.size()) {
      size_t dot = path.find('.', start);
      std::string name = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      const ProfileElement* next = nullptr;
      for (const ProfileElement* c : current->children)
        if (c->name == name || stem(c->name) == name) next = c;
      current = next;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return current;
  }

  static std::vector<Located> follow(const Located& from, const std::string& path) {
    std::vector<Located> current{from};
    size_t start = 0;
    while (true) {
      size_t dot = path.find('.', start);
      std::string name = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      std::vector<Located> next;
      for (const Located& c : current) {
        auto found = members(c, name);
        if (found.empty()) found = members(c, name + "[x]");
        next.insert(next.end(), found.begin(), found.end());
      }
      current = std::move(next);
      if (dot == std::string::npos) return current;
      start = dot + 1;
    }
  }

  const json::Value& resource_;
  Item resourceItem_;
  const Profile* profile_;
  ElementObserver* observer_;
  std::vector<Issue> issues_;
  std::set<std::string> notCheckedSeen_;
};

}  // namespace

std::vector<Issue> validateAgainstProfile(const json::Value& resource, const Profile& profile,
                                          ElementObserver* seen) {
  return Validator(resource, profile, seen).run();
}

bool hasErrors(const std::vector<Issue>& issues) {
  return std::any_of(issues.begin(), issues.end(), [](const Issue& i) { return i.severity == "error"; });
}

}  // namespace flint::fhir
