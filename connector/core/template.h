// A small, logic-less template engine (a Mustache subset) for letters: templates are data that
// an office edits, so the engine must be safe — no code, no file access, bounded nesting — and
// loud about mistakes: parse errors carry line and column, unknown names are reported.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "connector/core/result.h"

namespace mahnwerk::core {

// The data a template renders: text, a flag, a list or a map of named values. Built by the
// caller (letter.h); a default-constructed value is "nothing" (falsy, renders as "").
class TemplateValue {
 public:
  using List = std::vector<TemplateValue>;
  using Map = std::map<std::string, TemplateValue, std::less<>>;

  TemplateValue() = default;
  TemplateValue(std::string text) : v_(std::move(text)) {}         // NOLINT(google-explicit-constructor)
  TemplateValue(std::string_view text) : v_(std::string(text)) {}  // NOLINT(google-explicit-constructor)
  TemplateValue(const char* text) : v_(std::string(text)) {}       // NOLINT(google-explicit-constructor)
  TemplateValue(bool flag) : v_(flag) {}                           // NOLINT(google-explicit-constructor)
  TemplateValue(List list) : v_(std::move(list)) {}                // NOLINT(google-explicit-constructor)
  TemplateValue(Map map) : v_(std::move(map)) {}                   // NOLINT(google-explicit-constructor)

  static TemplateValue map() { return TemplateValue(Map{}); }
  static TemplateValue list() { return TemplateValue(List{}); }

  bool is_nothing() const { return v_.index() == 0; }
  bool is_text() const { return v_.index() == 1; }
  bool is_flag() const { return v_.index() == 2; }
  bool is_list() const { return v_.index() == 3; }
  bool is_map() const { return v_.index() == 4; }

  // REQUIRES: the matching is_...() holds.
  const std::string& text() const { return std::get<1>(v_); }
  bool flag() const { return std::get<2>(v_); }
  const List& items() const { return std::get<3>(v_); }
  const Map& members() const { return std::get<4>(v_); }

  // Adds or replaces a member; returns *this for chaining. Nothing becomes an empty map first.
  // REQUIRES: is_map() or is_nothing().
  TemplateValue& set(std::string_view key, TemplateValue value);
  // Appends to a list. Nothing becomes an empty list first. REQUIRES: is_list() or is_nothing().
  TemplateValue& push(TemplateValue value);

  // The member `key` of a map; nullptr when this is not a map or has no such member.
  const TemplateValue* find(std::string_view key) const;
  // Follows a dotted path ("debtor.name") through maps; nullptr when any step is missing.
  const TemplateValue* find_path(std::string_view dotted) const;

  // Mustache truthiness: nothing, false, "" and an empty list are false; everything else true.
  bool truthy() const;

 private:
  std::variant<std::monostate, std::string, bool, List, Map> v_;
};

// How {{name}} is escaped on output; {{{name}}} and {{&name}} are never escaped.
enum class Escape {
  kHtml,  // & < > " ' become entities
  kNone,  // plain text
};

struct RenderResult {
  std::string text;
  // Every name that resolved to nothing, in the order first met, each once. Also names that
  // were interpolated but hold a flag, list or map (they render as ""). Empty for a complete
  // data tree: tests assert this for every shipped template.
  std::vector<std::string> missing;
};

// Deepest nesting of sections a template may have.
inline constexpr int kMaxSectionDepth = 32;

// A compiled template. The syntax:
//   {{name}}            the value, escaped per Escape     {{{name}}}, {{&name}}  raw
//   {{a.b.c}}           dotted: `a` is looked up from the innermost section outwards, then b, c
//   {{.}}               the current list element (a list of texts)
//   {{#name}}...{{/name}}  list: once per element (the element is the innermost context);
//                       map: once with the map as context; true or non-empty text: once
//   {{^name}}...{{/name}}  once when `name` is falsy (missing, false, "", empty list)
//   {{! comment }}      dropped
// A line holding only a section tag, a closing tag or a comment (plus blanks) disappears
// entirely, so plain-text templates keep their layout. Names are [A-Za-z0-9_-] segments
// joined by dots. Partials ({{>x}}) and delimiter changes ({{=<% %>=}}) are not supported.
// A missing section name is falsy and reported in RenderResult::missing like a variable.
// Copies are cheap and share the compiled form; rendering is const and thread-safe.
class Template {
 public:
  // Compiles `text`. Errors are invalid input with context "<name>, line L, column C" (1-based,
  // columns in characters): unclosed or mismatched sections, unclosed tags, empty or malformed
  // names, unsupported tags, nesting deeper than kMaxSectionDepth.
  static Result<Template> parse(std::string_view name, std::string_view text);

  RenderResult render(const TemplateValue& data, Escape escape) const;

  const std::string& name() const;
  // Every name the template mentions (variables and sections), sorted, each once.
  std::vector<std::string> names() const;

  struct Node;  // the compiled tree, defined in template.cpp

 private:
  struct Compiled;
  explicit Template(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}
  std::shared_ptr<const Compiled> compiled_;
};

// HTML-escapes & < > " ' (the Escape::kHtml rule).
std::string escape_html(std::string_view text);

}  // namespace mahnwerk::core
