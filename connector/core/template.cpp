// The template engine: a tokenizer that keeps line/column positions, a pass that removes
// standalone tag lines (as Mustache does), a tree builder with a depth limit, and a renderer
// that walks the tree with a stack of contexts.
#include "connector/core/template.h"

#include <algorithm>
#include <optional>
#include <set>

namespace mahnwerk::core {

// ---- TemplateValue ---------------------------------------------------------------------------

TemplateValue& TemplateValue::set(std::string_view key, TemplateValue value) {
  if (is_nothing()) v_ = Map{};
  auto& map = std::get<Map>(v_);
  if (auto it = map.find(key); it != map.end()) {
    it->second = std::move(value);
  } else {
    map.emplace(std::string(key), std::move(value));
  }
  return *this;
}

TemplateValue& TemplateValue::push(TemplateValue value) {
  if (is_nothing()) v_ = List{};
  std::get<List>(v_).push_back(std::move(value));
  return *this;
}

const TemplateValue* TemplateValue::find(std::string_view key) const {
  if (!is_map()) return nullptr;
  const auto& map = members();
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

const TemplateValue* TemplateValue::find_path(std::string_view dotted) const {
  const TemplateValue* at = this;
  while (at != nullptr) {
    const auto dot = dotted.find('.');
    at = at->find(dotted.substr(0, dot));
    if (dot == std::string_view::npos) return at;
    dotted.remove_prefix(dot + 1);
  }
  return nullptr;
}

bool TemplateValue::truthy() const {
  switch (v_.index()) {
    case 1:
      return !text().empty();
    case 2:
      return flag();
    case 3:
      return !items().empty();
    case 4:
      return true;
    default:
      return false;
  }
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// ---- compiled form ---------------------------------------------------------------------------

struct Template::Node {
  enum class Kind { kText, kVariable, kRaw, kSection, kInverted };
  Kind kind = Kind::kText;
  std::string text;  // literal text, or the name
  std::vector<Node> children;
};

struct Template::Compiled {
  std::string name;
  std::vector<Node> nodes;
};

namespace {

using Node = Template::Node;

enum class TagKind { kVariable, kRaw, kSection, kInverted, kClose, kComment };

// A token of the template: literal text, or a tag with its position (for errors).
struct Token {
  bool is_tag = false;
  TagKind kind = TagKind::kVariable;
  std::string text;  // literal text or the tag's name
  std::size_t line = 1;
  std::size_t column = 1;
};

// Tags that may stand alone on a line (and then take the line with them).
bool may_stand_alone(const Token& t) {
  return t.is_tag && (t.kind == TagKind::kSection || t.kind == TagKind::kInverted ||
                      t.kind == TagKind::kClose || t.kind == TagKind::kComment);
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool valid_name(std::string_view name) {
  if (name == ".") return true;
  if (name.empty()) return false;
  std::size_t segment = 0;
  for (const char c : name) {
    if (c == '.') {
      if (segment == 0) return false;
      segment = 0;
      continue;
    }
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
    ++segment;
  }
  return segment > 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\n' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

class Parser {
 public:
  Parser(std::string_view name, std::string_view text) : name_(name), text_(text) {}

  Result<std::vector<Node>> run() {
    std::vector<Token> tokens;
    MW_ASSIGN_OR_RETURN(tokens, tokenize());
    remove_standalone_lines(tokens);
    return build(tokens);
  }

 private:
  Error error_at(std::size_t line, std::size_t column, std::string message) const {
    return invalid_input(std::move(message),
                         name_ + ", line " + std::to_string(line) + ", column " + std::to_string(column));
  }

  // Advances the position over text_[pos_, to), counting lines and characters (UTF-8
  // continuation bytes do not start a column).
  void advance_to(std::size_t to) {
    for (; pos_ < to; ++pos_) {
      const auto byte = static_cast<unsigned char>(text_[pos_]);
      if (byte == '\n') {
        ++line_;
        column_ = 1;
      } else if ((byte & 0xC0U) != 0x80U) {
        ++column_;
      }
    }
  }

  Result<std::vector<Token>> tokenize() {
    std::vector<Token> tokens;
    while (pos_ < text_.size()) {
      const std::size_t open = text_.find("{{", pos_);
      if (open != pos_) {
        const std::size_t end = open == std::string_view::npos ? text_.size() : open;
        tokens.push_back(
            Token{false, TagKind::kVariable, std::string(text_.substr(pos_, end - pos_)), line_, column_});
        advance_to(end);
        continue;
      }
      Token tag;
      MW_ASSIGN_OR_RETURN(tag, read_tag());
      tokens.push_back(std::move(tag));
    }
    return tokens;
  }

  // Reads the tag at pos_ ("{{...}}" or "{{{...}}}") and moves past it.
  Result<Token> read_tag() {
    Token t{true, TagKind::kVariable, {}, line_, column_};
    const bool triple = text_.substr(pos_, 3) == "{{{";
    const std::string_view closer = triple ? "}}}" : "}}";
    const std::size_t body = pos_ + (triple ? 3 : 2);
    const std::size_t close = text_.find(closer, body);
    if (close == std::string_view::npos) {
      return error_at(t.line, t.column, std::string("tag is not closed with ") + std::string(closer));
    }
    std::string_view content = text_.substr(body, close - body);
    advance_to(close + closer.size());
    if (triple) {
      t.kind = TagKind::kRaw;
    } else if (!content.empty()) {
      switch (content.front()) {
        case '#':
          t.kind = TagKind::kSection;
          break;
        case '^':
          t.kind = TagKind::kInverted;
          break;
        case '/':
          t.kind = TagKind::kClose;
          break;
        case '!':
          t.kind = TagKind::kComment;
          break;
        case '&':
          t.kind = TagKind::kRaw;
          break;
        case '>':
          return error_at(t.line, t.column, "partials ({{>name}}) are not supported");
        case '=':
          return error_at(t.line, t.column, "changing delimiters ({{=...=}}) is not supported");
        default:
          break;
      }
      if (t.kind != TagKind::kVariable) content.remove_prefix(1);
    }
    if (t.kind == TagKind::kComment) return t;
    const std::string_view name = trim(content);
    if (name.empty()) return error_at(t.line, t.column, "tag without a name");
    if (!valid_name(name)) {
      return error_at(t.line, t.column,
                      "invalid name '" + std::string(name) + "' (letters, digits, '_', '-', joined by dots)");
    }
    t.text = std::string(name);
    return t;
  }

  // Mustache's standalone rule: a line that holds only one section, closing or comment tag and
  // blanks is removed with its line break. Decided on the original tokens, then applied.
  static void remove_standalone_lines(std::vector<Token>& tokens) {
    const std::size_t n = tokens.size();
    std::vector<bool> standalone(n, false);
    for (std::size_t i = 0; i < n; ++i) {
      if (!may_stand_alone(tokens[i])) continue;
      standalone[i] = starts_line(tokens, i) && ends_line(tokens, i);
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!standalone[i]) continue;
      if (i > 0) {
        std::string& before = tokens[i - 1].text;
        while (!before.empty() && is_blank(before.back())) before.pop_back();
      }
      if (i + 1 < n) {
        std::string& after = tokens[i + 1].text;
        std::size_t k = 0;
        while (k < after.size() && is_blank(after[k])) ++k;
        if (k < after.size() && after[k] == '\r') ++k;
        if (k < after.size() && after[k] == '\n') ++k;
        after.erase(0, k);
      }
    }
  }

  static bool starts_line(const std::vector<Token>& tokens, std::size_t i) {
    if (i == 0) return true;
    const Token& prev = tokens[i - 1];
    if (prev.is_tag) return false;
    const std::size_t nl = prev.text.rfind('\n');
    if (nl == std::string::npos && i - 1 != 0) return false;
    const std::size_t from = nl == std::string::npos ? 0 : nl + 1;
    return std::all_of(prev.text.begin() + static_cast<std::ptrdiff_t>(from), prev.text.end(), is_blank);
  }

  static bool ends_line(const std::vector<Token>& tokens, std::size_t i) {
    if (i + 1 == tokens.size()) return true;
    const Token& next = tokens[i + 1];
    if (next.is_tag) return false;
    std::size_t k = 0;
    while (k < next.text.size() && is_blank(next.text[k])) ++k;
    if (k < next.text.size() && next.text[k] == '\r') ++k;
    if (k == next.text.size()) return i + 2 == tokens.size();
    return next.text[k] == '\n';
  }

  // Builds the tree; `open` holds the section tags not closed yet.
  Result<std::vector<Node>> build(std::vector<Token>& tokens) const {
    std::vector<std::vector<Node>> levels(1);
    std::vector<const Token*> open;
    for (Token& t : tokens) {
      if (!t.is_tag) {
        if (!t.text.empty()) levels.back().push_back(Node{Node::Kind::kText, std::move(t.text), {}});
        continue;
      }
      switch (t.kind) {
        case TagKind::kComment:
          break;
        case TagKind::kVariable:
          levels.back().push_back(Node{Node::Kind::kVariable, t.text, {}});
          break;
        case TagKind::kRaw:
          levels.back().push_back(Node{Node::Kind::kRaw, t.text, {}});
          break;
        case TagKind::kSection:
        case TagKind::kInverted:
          if (open.size() >= static_cast<std::size_t>(kMaxSectionDepth)) {
            return error_at(t.line, t.column,
                            "sections nested deeper than " + std::to_string(kMaxSectionDepth));
          }
          open.push_back(&t);
          levels.emplace_back();
          break;
        case TagKind::kClose: {
          if (open.empty()) return error_at(t.line, t.column, "{{/" + t.text + "}} closes no open section");
          const Token& opener = *open.back();
          if (opener.text != t.text) {
            return error_at(t.line, t.column,
                            "{{/" + t.text + "}} does not match section '" + opener.text +
                                "' opened at line " + std::to_string(opener.line) + ", column " +
                                std::to_string(opener.column));
          }
          Node section{opener.kind == TagKind::kSection ? Node::Kind::kSection : Node::Kind::kInverted,
                       opener.text, std::move(levels.back())};
          levels.pop_back();
          open.pop_back();
          levels.back().push_back(std::move(section));
          break;
        }
      }
    }
    if (!open.empty()) {
      const Token& opener = *open.back();
      return error_at(opener.line, opener.column, "section '" + opener.text + "' is not closed");
    }
    return std::move(levels.front());
  }

  std::string name_;
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t column_ = 1;
};

// Renders a tree. Recursion depth is bounded by kMaxSectionDepth (checked at parse time).
class Renderer {
 public:
  Renderer(const TemplateValue& data, Escape escape) : escape_(escape) { stack_.push_back(&data); }

  void render(const std::vector<Node>& nodes) {
    for (const Node& node : nodes) render(node);
  }

  RenderResult finish() { return RenderResult{std::move(out_), std::move(missing_)}; }

 private:
  void render(const Node& node) {
    switch (node.kind) {
      case Node::Kind::kText:
        out_ += node.text;
        return;
      case Node::Kind::kVariable:
      case Node::Kind::kRaw:
        interpolate(node);
        return;
      case Node::Kind::kSection:
        section(node);
        return;
      case Node::Kind::kInverted: {
        const TemplateValue* value = lookup(node.text);
        if (value == nullptr || !value->truthy()) render(node.children);
        return;
      }
    }
  }

  void interpolate(const Node& node) {
    const TemplateValue* value = lookup(node.text);
    if (value == nullptr) return;
    if (!value->is_text()) {
      report(node.text);
      return;
    }
    out_ += node.kind == Node::Kind::kVariable && escape_ == Escape::kHtml ? escape_html(value->text())
                                                                           : value->text();
  }

  void section(const Node& node) {
    const TemplateValue* value = lookup(node.text);
    if (value == nullptr || !value->truthy()) return;
    if (value->is_list()) {
      for (const TemplateValue& element : value->items()) {
        stack_.push_back(&element);
        render(node.children);
        stack_.pop_back();
      }
      return;
    }
    stack_.push_back(value);
    render(node.children);
    stack_.pop_back();
  }

  // The first segment is searched from the innermost context outwards; the rest descend from
  // there. A missing name is reported once.
  const TemplateValue* lookup(const std::string& name) {
    if (name == ".") return stack_.back();
    const auto dot = name.find('.');
    const std::string_view head = std::string_view(name).substr(0, dot);
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      const TemplateValue* found = (*it)->find(head);
      if (found == nullptr) continue;
      if (dot != std::string::npos) found = found->find_path(std::string_view(name).substr(dot + 1));
      if (found == nullptr) report(name);
      return found;
    }
    report(name);
    return nullptr;
  }

  void report(const std::string& name) {
    if (reported_.insert(name).second) missing_.push_back(name);
  }

  Escape escape_;
  std::vector<const TemplateValue*> stack_;
  std::string out_;
  std::vector<std::string> missing_;
  std::set<std::string, std::less<>> reported_;
};

void collect_names(const std::vector<Node>& nodes, std::set<std::string>& names) {
  for (const Node& node : nodes) {
    if (node.kind == Node::Kind::kText) continue;
    names.insert(node.text);
    collect_names(node.children, names);
  }
}

}  // namespace

Result<Template> Template::parse(std::string_view name, std::string_view text) {
  Parser parser(name, text);
  std::vector<Node> nodes;
  MW_ASSIGN_OR_RETURN(nodes, parser.run());
  return Template(std::make_shared<const Compiled>(Compiled{std::string(name), std::move(nodes)}));
}

RenderResult Template::render(const TemplateValue& data, Escape escape) const {
  Renderer renderer(data, escape);
  renderer.render(compiled_->nodes);
  return renderer.finish();
}

const std::string& Template::name() const { return compiled_->name; }

std::vector<std::string> Template::names() const {
  std::set<std::string> names;
  collect_names(compiled_->nodes, names);
  return {names.begin(), names.end()};
}

}  // namespace mahnwerk::core
