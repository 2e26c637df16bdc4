package search

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// Sort orders search results.
type Sort string

const (
	ByRelevance Sort = "relevance"
	ByStartsAt  Sort = "starts_at"
	ByPrice     Sort = "price"
)

// Limits of the public search.
const (
	DefaultLimit    = 20
	MaxLimit        = 100
	maxQueryLen     = 200
	maxFilterLen    = 100
	facetSize       = 20
	DefaultSuggest  = 5
	MaxSuggest      = 20
	minSuggestChars = 1
)

// Query is a parsed, valid GET /events/search.
type Query struct {
	Text      string
	City      string
	Category  string
	From      time.Time // never zero: defaults to now, so past events are not found
	To        time.Time // zero: no bound
	MinPrice  *int64    // minor units
	MaxPrice  *int64
	Available bool // only events with seats left
	Sort      Sort
	Limit     int
	After     []any // search_after values from the cursor
}

// ParseQuery reads and validates the search parameters; get returns one query parameter.
// Every problem is a validation error naming the field.
func ParseQuery(get func(string) string, now time.Time) (Query, error) {
	f := fault.Fields{}
	q := Query{
		Text:     strings.TrimSpace(get("q")),
		City:     strings.TrimSpace(get("city")),
		Category: strings.TrimSpace(get("category")),
		Sort:     Sort(get("sort")),
		Limit:    DefaultLimit,
	}
	f.Check(utf8.RuneCountInString(q.Text) > maxQueryLen, "q", fmt.Sprintf("must be at most %d characters", maxQueryLen))
	f.Check(len(q.City) > maxFilterLen, "city", fmt.Sprintf("must be at most %d characters", maxFilterLen))
	f.Check(len(q.Category) > maxFilterLen, "category", fmt.Sprintf("must be at most %d characters", maxFilterLen))
	q.From = parseTime(f, get, "from", now)
	q.To = parseTime(f, get, "to", time.Time{})
	f.Check(!q.To.IsZero() && q.To.Before(q.From), "to", "must not be before from (which defaults to now)")
	q.MinPrice = parseAmount(f, get, "min_price")
	q.MaxPrice = parseAmount(f, get, "max_price")
	f.Check(q.MinPrice != nil && q.MaxPrice != nil && *q.MaxPrice < *q.MinPrice, "max_price", "must not be below min_price")
	switch get("available") {
	case "", "false":
	case "true":
		q.Available = true
	default:
		f.Add("available", "must be true or false")
	}
	switch q.Sort {
	case "":
		q.Sort = ByRelevance
	case ByRelevance, ByStartsAt, ByPrice:
	default:
		f.Add("sort", "must be relevance, starts_at or price")
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		f.Check(err != nil || n < 1 || n > MaxLimit, "limit", fmt.Sprintf("must be an integer from 1 to %d", MaxLimit))
		q.Limit = n
	}
	if c := get("cursor"); c != "" {
		after, ok := decodeCursor(c, q.Sort)
		f.Check(!ok, "cursor", "is not a cursor from this search's sort; start again without it")
		q.After = after
	}
	return q, f.Err()
}

func parseTime(f fault.Fields, get func(string) string, name string, def time.Time) time.Time {
	v := get(name)
	if v == "" {
		return def.UTC()
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		f.Add(name, "must be an RFC 3339 time, e.g. 2027-01-31T20:00:00Z")
		return def.UTC()
	}
	return t.UTC()
}

func parseAmount(f fault.Fields, get func(string) string, name string) *int64 {
	v := get(name)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		f.Add(name, "must be a non-negative whole amount in minor units (cents)")
		return nil
	}
	return &n
}

// cursor is what a next_cursor carries: the sort it belongs to and the last hit's sort
// values, which search_after resumes from. Deep offsets are never used.
type cursor struct {
	Sort  Sort  `json:"s"`
	After []any `json:"a"`
}

func encodeCursor(s Sort, after []any) string {
	b, _ := json.Marshal(cursor{Sort: s, After: after}) // sort values are JSON already
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(v string, s Sort) ([]any, bool) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber() // keep long sort values exact
	var c cursor
	if dec.Decode(&c) != nil || c.Sort != s || len(c.After) != len(sortClause(s)) {
		return nil, false
	}
	for _, v := range c.After {
		switch v.(type) {
		case json.Number, string:
		default:
			return nil, false
		}
	}
	return c.After, true
}

// Field boosts: a match in the name counts most, then the venue, then the city, then the
// description. Fuzziness AUTO forgives one typo in 3-5 letter words and two in longer
// ones; prefix_length 1 keeps the first letter exact, which prunes most false friends.
var textFields = []string{"name^3", "venue_name^2", "city.text^1.5", "category.text", "description"}

// sortClause returns the sort for s; event_id last makes the order total, which
// search_after needs to neither skip nor repeat hits.
func sortClause(s Sort) []any {
	tail := []any{map[string]any{"starts_at": "asc"}, map[string]any{"event_id": "asc"}}
	switch s {
	case ByStartsAt:
		return tail
	case ByPrice:
		return append([]any{map[string]any{"price.amount": "asc"}}, tail...)
	}
	return append([]any{map[string]any{"_score": "desc"}}, tail...)
}

// maxWords bounds the per-word clauses of a query.
const maxWords = 10

// textQuery matches each word of text in any of the text fields, so "jazz berlin" finds
// a jazz night whose venue is in Berlin (a multi_match with operator "and" would need both
// words in one field, and cross_fields allows no fuzziness). Up to three words all must
// match; from four on a quarter may miss, as people add words that appear nowhere.
func textQuery(text string) map[string]any {
	words := strings.Fields(text)
	if len(words) > maxWords {
		words = words[:maxWords]
	}
	clauses := make([]any, 0, len(words))
	for _, w := range words {
		clauses = append(clauses, map[string]any{"multi_match": map[string]any{
			"query": w, "fields": textFields, "type": "best_fields",
			"fuzziness": "AUTO", "prefix_length": 1,
		}})
	}
	return map[string]any{"bool": map[string]any{"should": clauses, "minimum_should_match": "-25%"}}
}

// searchBody is the OpenSearch request for q.
func searchBody(q Query) map[string]any {
	filters := []any{
		term("status", string(catalog.Published)),
		map[string]any{"range": map[string]any{"starts_at": dateRange(q.From, q.To)}},
	}
	if q.City != "" {
		filters = append(filters, term("city.folded", q.City))
	}
	if q.Category != "" {
		filters = append(filters, term("category.folded", q.Category))
	}
	if q.MinPrice != nil || q.MaxPrice != nil {
		r := map[string]any{}
		if q.MinPrice != nil {
			r["gte"] = *q.MinPrice
		}
		if q.MaxPrice != nil {
			r["lte"] = *q.MaxPrice
		}
		// Any ticket in the budget: prices holds every public type's price. A document
		// indexed before prices existed is matched on its one price.
		filters = append(filters, map[string]any{"bool": map[string]any{"minimum_should_match": 1, "should": []any{
			map[string]any{"range": map[string]any{"prices": r}},
			map[string]any{"bool": map[string]any{
				"must_not": []any{map[string]any{"exists": map[string]any{"field": "prices"}}},
				"filter":   []any{map[string]any{"range": map[string]any{"price.amount": r}}},
			}},
		}}})
	}
	if q.Available {
		filters = append(filters, term("sold_out", false))
	}
	boolQuery := map[string]any{"filter": filters}
	if q.Text != "" {
		boolQuery["must"] = []any{textQuery(q.Text)}
		// An exact phrase in the name outranks the same words scattered about.
		boolQuery["should"] = []any{map[string]any{"match_phrase": map[string]any{
			"name": map[string]any{"query": q.Text, "boost": 2},
		}}}
	}
	body := map[string]any{
		"query":            map[string]any{"bool": boolQuery},
		"size":             q.Limit,
		"sort":             sortClause(q.Sort),
		"track_total_hits": true,
		// Scores stay meaningful when sorting by another field.
		"track_scores": true,
		"_source":      []string{"event_id", "name", "description", "category", "venue_id", "venue_name", "venue_address", "city", "starts_at", "ends_at", "price", "min_price", "max_price", "capacity", "available", "sold_out", "version"},
		"aggs": map[string]any{
			"cities":     map[string]any{"terms": map[string]any{"field": "city", "size": facetSize}},
			"categories": map[string]any{"terms": map[string]any{"field": "category", "size": facetSize}},
			"min_price":  map[string]any{"min": map[string]any{"field": "price.amount"}},
			"max_price":  map[string]any{"max": map[string]any{"field": "price.amount"}},
		},
	}
	if len(q.After) > 0 {
		body["search_after"] = q.After
	}
	return body
}

func term(field string, v any) map[string]any {
	return map[string]any{"term": map[string]any{field: v}}
}

func dateRange(from, to time.Time) map[string]any {
	r := map[string]any{"gte": from.Format(time.RFC3339)}
	if !to.IsZero() {
		r["lte"] = to.Format(time.RFC3339)
	}
	return r
}

// suggestBody asks the completion suggester for names starting with prefix. Fuzziness
// kicks in from the fourth letter, so short prefixes stay precise.
func suggestBody(prefix string, limit int) map[string]any {
	return map[string]any{
		"_source": []string{"event_id", "name", "starts_at"},
		"suggest": map[string]any{"names": map[string]any{
			"prefix": prefix,
			"completion": map[string]any{
				"field": "suggest", "size": limit, "skip_duplicates": true,
				"fuzzy": map[string]any{"fuzziness": "AUTO", "min_length": 4, "prefix_length": 1},
			},
		}},
	}
}

// ParseSuggest reads and validates GET /events/suggest.
func ParseSuggest(get func(string) string) (prefix string, limit int, err error) {
	f := fault.Fields{}
	prefix = strings.TrimSpace(get("q"))
	f.Check(utf8.RuneCountInString(prefix) < minSuggestChars, "q", "is required")
	f.Check(utf8.RuneCountInString(prefix) > maxQueryLen, "q", fmt.Sprintf("must be at most %d characters", maxQueryLen))
	limit = DefaultSuggest
	if v := get("limit"); v != "" {
		n, convErr := strconv.Atoi(v)
		f.Check(convErr != nil || n < 1 || n > MaxSuggest, "limit", fmt.Sprintf("must be an integer from 1 to %d", MaxSuggest))
		limit = n
	}
	return prefix, limit, f.Err()
}
