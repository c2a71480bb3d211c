// The template engine: rendering cases as a table (escaping, sections, inverted sections,
// dotted names, standalone lines), parse errors with their positions, missing-name reports and
// the nesting limit.
#include "connector/core/template.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mahnwerk::core {
namespace {

TemplateValue sample_data() {
  TemplateValue rows = TemplateValue::list();
  rows.push(TemplateValue::map().set("number", "RE-1").set("amount", "10,00"));
  rows.push(TemplateValue::map().set("number", "RE-2").set("amount", "20,00"));
  TemplateValue lines = TemplateValue::list();
  lines.push("Hauptstraße 1").push("10115 Berlin");
  return TemplateValue::map()
      .set("name", "Müller & Söhne <GmbH>")
      .set("quote", "\"it's\"")
      .set("empty", "")
      .set("yes", true)
      .set("no", false)
      .set("rows", rows)
      .set("none", TemplateValue::list())
      .set("lines", lines)
      .set("debtor",
           TemplateValue::map().set("name", "Erika").set("address", TemplateValue::map().set("city", "Köln")))
      .set("creditor", TemplateValue::map().set("name", "Mahnwerk GmbH"));
}

struct RenderCase {
  const char* label;
  const char* text;
  Escape escape;
  const char* expected;
};

class RenderTable : public ::testing::TestWithParam<RenderCase> {};

TEST_P(RenderTable, RendersAsExpectedWithNothingMissing) {
  const RenderCase& c = GetParam();
  auto t = Template::parse(c.label, c.text);
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  const RenderResult r = t->render(sample_data(), c.escape);
  EXPECT_EQ(r.text, c.expected);
  EXPECT_TRUE(r.missing.empty()) << r.missing.front();
}

INSTANTIATE_TEST_SUITE_P(
    Template, RenderTable,
    ::testing::Values(
        RenderCase{"plain_text", "Guten Tag.", Escape::kHtml, "Guten Tag."},
        RenderCase{"empty_template", "", Escape::kHtml, ""},
        RenderCase{"html_escaped", "<b>{{name}}</b>", Escape::kHtml,
                   "<b>Müller &amp; Söhne &lt;GmbH&gt;</b>"},
        RenderCase{"quotes_escaped", "{{quote}}", Escape::kHtml, "&quot;it&#39;s&quot;"},
        RenderCase{"text_not_escaped", "{{name}}", Escape::kNone, "Müller & Söhne <GmbH>"},
        RenderCase{"triple_is_raw", "{{{name}}}", Escape::kHtml, "Müller & Söhne <GmbH>"},
        RenderCase{"ampersand_is_raw", "{{& name}}", Escape::kHtml, "Müller & Söhne <GmbH>"},
        RenderCase{"blanks_in_tags", "{{ debtor.name }}", Escape::kHtml, "Erika"},
        RenderCase{"dotted", "{{debtor.address.city}}", Escape::kHtml, "Köln"},
        RenderCase{"list_section", "{{#rows}}[{{number}}={{amount}}]{{/rows}}", Escape::kHtml,
                   "[RE-1=10,00][RE-2=20,00]"},
        RenderCase{"outer_context_visible", "{{#rows}}{{number}}/{{creditor.name}};{{/rows}}", Escape::kHtml,
                   "RE-1/Mahnwerk GmbH;RE-2/Mahnwerk GmbH;"},
        RenderCase{"implicit_iterator", "{{#lines}}{{.}}|{{/lines}}", Escape::kHtml,
                   "Hauptstraße 1|10115 Berlin|"},
        RenderCase{"empty_list_skipped", "a{{#none}}x{{/none}}b", Escape::kHtml, "ab"},
        RenderCase{"true_section", "{{#yes}}shown{{/yes}}", Escape::kHtml, "shown"},
        RenderCase{"false_section", "{{#no}}hidden{{/no}}", Escape::kHtml, ""},
        RenderCase{"map_section", "{{#debtor}}{{name}} in {{address.city}}{{/debtor}}", Escape::kHtml,
                   "Erika in Köln"},
        RenderCase{"text_section", "{{#debtor.name}}Name: {{.}}{{/debtor.name}}", Escape::kHtml,
                   "Name: Erika"},
        RenderCase{"empty_text_is_falsy", "{{#empty}}x{{/empty}}{{^empty}}y{{/empty}}", Escape::kHtml, "y"},
        RenderCase{"inverted_false", "{{^no}}shown{{/no}}", Escape::kHtml, "shown"},
        RenderCase{"inverted_true", "{{^yes}}hidden{{/yes}}", Escape::kHtml, ""},
        RenderCase{"inverted_empty_list", "{{^none}}keine{{/none}}", Escape::kHtml, "keine"},
        RenderCase{"comment_dropped", "a{{! ein Kommentar }}b", Escape::kHtml, "ab"},
        RenderCase{"multiline_comment", "a{{! eins\nzwei }}b", Escape::kHtml, "ab"},
        RenderCase{"standalone_section_lines", "Liste:\n{{#rows}}\n- {{number}}\n{{/rows}}\nEnde\n",
                   Escape::kNone, "Liste:\n- RE-1\n- RE-2\nEnde\n"},
        RenderCase{"indented_standalone", "a\n  {{#yes}}  \nb\n  {{/yes}}\nc", Escape::kNone, "a\nb\nc"},
        RenderCase{"standalone_comment", "a\n{{! note }}\nb", Escape::kNone, "a\nb"},
        RenderCase{"standalone_at_start_and_end", "{{#yes}}\nx\n{{/yes}}", Escape::kNone, "x\n"},
        RenderCase{"crlf_standalone", "a\r\n{{#yes}}\r\nb\r\n{{/yes}}\r\n", Escape::kNone, "a\r\nb\r\n"},
        RenderCase{"inline_section_keeps_line", "a {{#yes}}b{{/yes}}\nc", Escape::kNone, "a b\nc"},
        RenderCase{"variable_line_not_standalone", "{{debtor.name}}\n", Escape::kNone, "Erika\n"},
        RenderCase{"single_braces_are_text", "{ a } }} {", Escape::kNone, "{ a } }} {"}),
    [](const ::testing::TestParamInfo<RenderCase>& p) { return std::string(p.param.label); });

struct ErrorCase {
  const char* label;
  const char* text;
  const char* message_part;
  const char* context;
};

class ErrorTable : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorTable, IsInvalidInputWithNameLineAndColumn) {
  const ErrorCase& c = GetParam();
  auto t = Template::parse("de/mahnung.html", c.text);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(t.error().message.find(c.message_part), std::string::npos) << t.error().message;
  EXPECT_EQ(t.error().context, c.context);
}

INSTANTIATE_TEST_SUITE_P(
    Template, ErrorTable,
    ::testing::Values(
        ErrorCase{"unclosed_section", "a\n  {{#items}}\nx", "section 'items' is not closed",
                  "de/mahnung.html, line 2, column 3"},
        ErrorCase{"mismatched_close", "{{#a}}\n{{#b}}x{{/a}}",
                  "does not match section 'b' opened at line 2, column 1",
                  "de/mahnung.html, line 2, column 8"},
        ErrorCase{"close_without_open", "x {{/a}}", "closes no open section",
                  "de/mahnung.html, line 1, column 3"},
        ErrorCase{"unclosed_tag", "Hallo\nwelt {{name", "not closed", "de/mahnung.html, line 2, column 6"},
        ErrorCase{"unclosed_triple", "{{{name}}", "not closed with }}}", "de/mahnung.html, line 1, column 1"},
        ErrorCase{"empty_name", "{{ }}", "without a name", "de/mahnung.html, line 1, column 1"},
        ErrorCase{"bad_name", "{{a b}}", "invalid name 'a b'", "de/mahnung.html, line 1, column 1"},
        ErrorCase{"empty_segment", "{{a..b}}", "invalid name", "de/mahnung.html, line 1, column 1"},
        ErrorCase{"leading_dot", "{{.a}}", "invalid name", "de/mahnung.html, line 1, column 1"},
        ErrorCase{"partial", "{{> footer}}", "partials", "de/mahnung.html, line 1, column 1"},
        ErrorCase{"delimiters", "{{=<% %>=}}", "delimiters", "de/mahnung.html, line 1, column 1"},
        // Columns count characters, not bytes: "Grüße " is six characters.
        ErrorCase{"column_in_characters", "Grüße {{/x}}", "closes no open section",
                  "de/mahnung.html, line 1, column 7"},
        ErrorCase{"line_after_comment", "{{! eins\nzwei }}\n{{#a}}", "not closed",
                  "de/mahnung.html, line 3, column 1"}),
    [](const ::testing::TestParamInfo<ErrorCase>& p) { return std::string(p.param.label); });

TEST(Template, ReportsMissingNamesOnceInOrderAndRendersThemEmpty) {
  auto t = Template::parse(
      "t", "[{{debtr.name}}][{{#flag}}x{{/flag}}][{{debtor.nme}}][{{debtr.name}}]{{^gone}}y{{/gone}}");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  const RenderResult r = t->render(sample_data(), Escape::kHtml);
  EXPECT_EQ(r.text, "[][][][]y");
  EXPECT_EQ(r.missing, (std::vector<std::string>{"debtr.name", "flag", "debtor.nme", "gone"}));
}

TEST(Template, ReportsNonTextInterpolation) {
  auto t = Template::parse("t", "{{yes}}{{rows}}{{debtor}}");
  ASSERT_TRUE(t.ok());
  const RenderResult r = t->render(sample_data(), Escape::kNone);
  EXPECT_EQ(r.text, "");
  EXPECT_EQ(r.missing, (std::vector<std::string>{"yes", "rows", "debtor"}));
}

TEST(Template, MissingInsideListIsReportedOnce) {
  auto t = Template::parse("t", "{{#rows}}{{number}}{{vat}}{{/rows}}");
  ASSERT_TRUE(t.ok());
  const RenderResult r = t->render(sample_data(), Escape::kNone);
  EXPECT_EQ(r.text, "RE-1RE-2");
  EXPECT_EQ(r.missing, std::vector<std::string>{"vat"});
}

std::string nested(int depth) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += "{{#yes}}";
  text += "x";
  for (int i = 0; i < depth; ++i) text += "{{/yes}}";
  return text;
}

TEST(Template, NestingUpToTheLimitRenders) {
  auto t = Template::parse("deep", nested(kMaxSectionDepth));
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  EXPECT_EQ(t->render(sample_data(), Escape::kNone).text, "x");
}

TEST(Template, NestingBeyondTheLimitIsRefused) {
  auto t = Template::parse("deep", nested(kMaxSectionDepth + 1));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(t.error().message.find("nested deeper than 32"), std::string::npos) << t.error().message;
  EXPECT_EQ(t.error().context, "deep, line 1, column " + std::to_string(8 * kMaxSectionDepth + 1));
}

TEST(Template, HostileInputNeverCrashes) {
  // Deep nesting far beyond the limit, unbalanced braces: errors, not stack overflows.
  EXPECT_FALSE(Template::parse("x", nested(100000)).ok());
  EXPECT_FALSE(Template::parse("x", std::string(1000, '{')).ok());
  EXPECT_TRUE(Template::parse("x", std::string(1000, '}')).ok());
}

TEST(Template, CompiledOnceRendersManyTimes) {
  auto t = Template::parse("t", "{{debtor.name}}");
  ASSERT_TRUE(t.ok());
  const Template copy = *t;
  EXPECT_EQ(copy.name(), "t");
  for (const char* name : {"A", "B & C"}) {
    const auto data = TemplateValue::map().set("debtor", TemplateValue::map().set("name", name));
    EXPECT_EQ(copy.render(data, Escape::kNone).text, name);
  }
}

TEST(Template, ListsEveryNameItMentions) {
  auto t = Template::parse("t", "{{b}}{{#rows}}{{number}}{{^x}}{{{a.c}}}{{/x}}{{/rows}}{{! no }}{{b}}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->names(), (std::vector<std::string>{"a.c", "b", "number", "rows", "x"}));
}

TEST(TemplateValue, SetReplacesAndFindPathFollowsMaps) {
  TemplateValue v;
  v.set("a", "1").set("a", TemplateValue::map().set("b", "2"));
  ASSERT_NE(v.find_path("a.b"), nullptr);
  EXPECT_EQ(v.find_path("a.b")->text(), "2");
  EXPECT_EQ(v.find_path("a.c"), nullptr);
  EXPECT_EQ(v.find_path("a.b.c"), nullptr);
  EXPECT_FALSE(TemplateValue().truthy());
  EXPECT_TRUE(TemplateValue::map().truthy());
}

}  // namespace
}  // namespace mahnwerk::core
