// The declarative description of one REST accounting system (docs/mappings.md): base URL, auth,
// rate budget, error envelope, the streams that are pulled (debtors, items, payments) with their
// requests, paging, record paths, field maps and cursors, and the write-back operations with
// their request templates, remote reference and lookup. Adding a system means adding one such
// file; the engine (rest_adapter.h) knows no system by name.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/errors.h"
#include "adapters/http/rate.h"
#include "adapters/http/types.h"
#include "connector/core/result.h"

namespace mahnwerk::rest {

struct Auth {
  enum class Kind { kBearer, kHeader, kOAuth2 };
  Kind kind = Kind::kBearer;
  std::string header = "Authorization";  // kHeader: the secret as the whole value
  // kOAuth2: POST token_url (form: grant_type=refresh_token, refresh_token, client_id,
  // client_secret = the tenant's secret); the rotated refresh token is persisted before use.
  std::string token_url;
  std::string client_id;
};

// A condition on a record: the value at `pointer` (as text; absent or null is "") compared.
struct Condition {
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kPresent, kAbsent, kLess, kContains };
  std::string pointer;
  Op op = Op::kEquals;
  std::vector<std::string> values;  // kEquals, kNotEquals, kContains: one; kIn, kNotIn: any
  std::string other;                // kLess: compare amounts with the value at this pointer
};

// One request of a stream: path (may hold {placeholders}), query parameters in order.
struct RequestSpec {
  std::string method = "GET";
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
};

struct Paging {
  enum class Style { kNone, kPage, kOffset, kCursor };
  Style style = Style::kNone;
  std::string page_param = "page";  // kPage
  int first_page = 0;               // kPage: 0 or 1
  std::string size_param;           // kPage: "size"; kOffset: "limit"
  int size = 100;
  std::string offset_param = "offset";  // kOffset
  std::string cursor_param;             // kCursor: the query parameter that carries the token
  std::string cursor_pointer;           // kCursor: where the next token is in the response
  // Stop after a page when the value at stop_pointer equals stop_value ("/last" == "true"). A
  // page with fewer records than `size` (or none) always stops.
  std::string stop_pointer;
  std::string stop_value = "true";
  int max_pages = 100000;  // safety net against a remote that never stops
  // kPage/kOffset: where the first page tells how many records there are in all ("/totalElements");
  // with it (or a result window's total) the remaining pages are known ahead and up to
  // `concurrency` of them are requested at once, their records still taken in page order.
  std::string total_pointer;
  int concurrency = 4;  // 1: one page at a time
};

// Result-window slicing: a system that serves at most `max_results` rows per query (lexoffice:
// 10,000) is asked per date range; a range whose first page reports a total at the cap is
// halved until it fits (a single day that still exceeds it is an error).
struct Window {
  int max_results = 0;  // 0: no slicing
  std::string total_pointer;
  std::string from_param;
  std::string to_param;
  std::string start = "2000-01-01";  // the first day asked for; the last is today + 1
};

// The incremental cursor: the largest value of `field` seen (a date or date-time) is the
// cursor; the next pull asks `param` >= cursor - lookback (format "date": YYYY-MM-DD, "unix":
// seconds) with `query` added to (or replacing) the stream's parameters. Records re-read in the
// look-back window are de-duplicated by (id, version).
struct Incremental {
  std::string field;
  std::string param;
  std::string format = "date";
  int lookback_seconds = 86400;
  std::vector<std::pair<std::string, std::string>> query;
  // Requests made only by incremental pulls (sevDesk: status=1000, so that invoices paid since
  // the cursor come back with open 0 and close; a full pull leaves them out).
  std::vector<RequestSpec> extra_requests;
};

// How one canonical field is read: a pointer (or the first present of several) or a constant,
// then a named transform with its arguments (transforms.h).
struct FieldSpec {
  std::vector<std::string> pointers;
  std::optional<std::string> constant;
  std::string transform = "text";
  std::map<std::string, std::string> args;         // transform arguments ("days": "/timeToPay")
  std::map<std::string, std::string> enum_values;  // transform "enum"
  std::vector<std::string> join_pointers;          // transform "join"
  bool optional = false;
  // "value_if": {"when": [conditions], "value": v}: v instead of the pointer's value when the
  // record meets every condition (lexoffice: a voided invoice is open 0, whatever openAmount says).
  std::vector<Condition> value_if_when;
  std::optional<std::string> value_if;
  std::string where;  // "/streams/items/fields/due_date" for messages
};

struct Stream {
  std::string name;  // "debtors" | "items" | "payments"
  std::vector<RequestSpec> requests;
  Paging paging;
  std::string records;  // pointer to the array of records ("" = the body is the array)
  std::vector<Condition> filter;
  std::optional<Window> window;
  std::optional<Incremental> incremental;
  std::string version;  // pointer to the record's version (de-duplication by (id, version))
  std::map<std::string, FieldSpec> fields;
  // Per-record detail fetches: the request is made once for each record of stream `for_each`
  // that satisfies `when`; {id}, {version} and the record's fields fill the path. Answers are
  // cached by (path, version).
  std::string for_each;
  std::vector<Condition> when;
};

// A write-back operation for one outbox kind: a request template and where the remote
// reference is in the answer.
struct WriteOp {
  std::string kind;
  RequestSpec request;
  std::string body;                    // JSON text with placeholders (see docs/mappings.md)
  std::vector<std::string> reference;  // pointers tried in order
};

// How to tell whether an ambiguous write landed: read candidates, optionally fetch each one's
// detail, and look for the write's marker.
struct LookupSpec {
  RequestSpec request;
  std::string candidates;  // pointer to the array of candidates
  std::vector<Condition> filter;
  std::optional<RequestSpec> detail;  // {id} = the candidate's /id
  Condition match;                    // on the candidate (or its detail); values may hold {key}
  std::vector<std::string> reference;
};

// How the system signs the callbacks it sends (lexoffice: X-Lxo-Signature, base64 RSA-SHA512
// over the raw body, Lexware's public key). Declarative; webhook.h verifies with it.
struct WebhookSpec {
  enum class Algorithm { kRsaSha256, kRsaSha512, kHmacSha256 };
  enum class Encoding { kBase64, kHex };
  std::string signature_header;
  Algorithm algorithm = Algorithm::kRsaSha512;
  Encoding encoding = Encoding::kBase64;
  // RSA: a PEM public key; HMAC: a file holding the shared secret (one trailing newline ignored).
  // Relative to the mapping's folder. Empty: the tenant names it (the key is not shipped).
  std::string key_file;
  std::vector<std::string> events;  // the event types to subscribe to
  std::string type_pointer;         // where the callback body names its event type
  std::string resource_pointer;     // ... the changed resource's id
  std::string date_pointer;         // ... when it happened ("" = not given)
};

struct Mapping {
  std::string name;
  std::string source;  // the file it came from
  std::string base_url;
  Auth auth;
  std::optional<http::RateBudget> rate;
  std::vector<std::string> error_messages;  // ErrorPolicy message pointers
  std::vector<http::ErrorPolicy::Rule> error_rules;
  std::vector<std::pair<std::string, std::string>> headers;
  std::map<std::string, Stream> streams;
  std::map<std::string, WriteOp> writes;  // by outbox kind
  std::optional<LookupSpec> lookup;
  std::optional<WebhookSpec> webhooks;
  std::string marker = "mahnwerk:{key}";  // what a write carries so a lookup can find it
  int timeout_seconds = 60;
};

// Parses and validates a mapping. Every problem is kBadConfig with context
// "<source>: <JSON pointer>" naming the offending member; several become one error, one line each.
core::Result<Mapping> parse_mapping(std::string_view text, const std::string& source);
// Reads the file at `path` and parses it.
core::Result<Mapping> load_mapping(const std::string& path);
// A mapping by name ("lexoffice") from `dirs` (each a folder holding <name>.json) or by path
// (contains '/' or ends in .json).
core::Result<Mapping> find_mapping(const std::string& name_or_path, const std::vector<std::string>& dirs);

}  // namespace mahnwerk::rest
