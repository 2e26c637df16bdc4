package search

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/opensearch-project/opensearch-go/v4"
	"github.com/opensearch-project/opensearch-go/v4/opensearchapi"

	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/fault"
)

// Config says where the index lives.
type Config struct {
	URL   string // e.g. https://search-domain.eu-west-1.es.amazonaws.com
	Alias string // empty: DefaultAlias
	// Timeout bounds one search or suggest call, so an unhealthy cluster answers 503
	// search_unavailable quickly instead of holding the Lambda until its own timeout.
	// Zero: DefaultTimeout.
	Timeout time.Duration
}

// DefaultTimeout is a search or suggest call's bound unless the deployment sets one.
const DefaultTimeout = 2 * time.Second

// Index is the event index behind its alias.
type Index struct {
	api     *opensearchapi.Client
	alias   string
	timeout time.Duration

	ensureMu sync.Mutex
	ensured  bool
}

// dialTimeout bounds connecting, so a dead or unreachable node fails a request in well
// under a second instead of hanging the Lambda until its own timeout.
const dialTimeout = 300 * time.Millisecond

// CallTimeout is how long one search or suggest call may take.
func (ix *Index) CallTimeout() time.Duration { return ix.timeout }

// New returns an Index client; requests to an AWS endpoint are SigV4-signed. It makes no
// request: a node that is down at cold start must not fail the Lambda's init.
func New(cfg Config) (*Index, error) {
	if cfg.URL == "" {
		return nil, errors.New("search: OPENSEARCH_URL is empty")
	}
	if cfg.Alias == "" {
		cfg.Alias = DefaultAlias
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}
	sign, err := awsSigner(cfg.URL)
	if err != nil {
		return nil, err
	}
	api, err := opensearchapi.NewClient(opensearchapi.Config{Client: opensearch.Config{
		Addresses: []string{strings.TrimRight(cfg.URL, "/")},
		Transport: transport,
		Signer:    sign,
		// Callers bound each call with a context deadline; one quick retry covers a
		// connection the server closed while idle, more would only add latency.
		MaxRetries: 1,
	}})
	if err != nil {
		return nil, fmt.Errorf("search: client: %w", err)
	}
	return &Index{api: api, alias: cfg.Alias, timeout: cfg.Timeout}, nil
}

// Alias is the name readers and writers use.
func (ix *Index) Alias() string { return ix.alias }

// Ensure applies the settings and mappings in this file's version: it creates the first
// concrete index and points the alias at it, or adds new fields to the index the alias
// points at. An index from another MappingVersion is left alone (bme reindex replaces it).
func (ix *Index) Ensure(ctx context.Context) error {
	ix.ensureMu.Lock()
	defer ix.ensureMu.Unlock()
	if ix.ensured {
		return nil
	}
	targets, err := ix.aliasTargets(ctx)
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		// A fixed name for the first index makes concurrent cold starts agree on it.
		name := indexName(ix.alias, 0)
		if err := ix.createIndex(ctx, name); err != nil {
			return err
		}
		if err := ix.swapAlias(ctx, nil, name); err != nil {
			return err
		}
	}
	for _, t := range targets {
		if !strings.HasPrefix(t, fmt.Sprintf("%s-v%d-", ix.alias, MappingVersion)) {
			slog.Warn("search: index has another mapping version; run bme reindex", "index", t, "want_version", MappingVersion)
			continue
		}
		if _, err := ix.api.Indices.Mapping.Put(ctx, opensearchapi.MappingPutReq{
			Indices: []string{t}, Body: strings.NewReader(mappings),
		}); err != nil {
			return unavailable("update mapping of "+t, err)
		}
	}
	ix.ensured = true
	return nil
}

func (ix *Index) createIndex(ctx context.Context, name string) error {
	body := `{"settings": ` + settings + `, "mappings": ` + mappings + `}`
	_, err := ix.api.Indices.Create(ctx, opensearchapi.IndicesCreateReq{Index: name, Body: strings.NewReader(body)})
	if err != nil && errorType(err) != "resource_already_exists_exception" {
		return unavailable("create index "+name, err)
	}
	return nil
}

// aliasTargets lists the concrete indices behind the alias (none when it does not exist).
func (ix *Index) aliasTargets(ctx context.Context) ([]string, error) {
	resp, err := ix.api.Indices.Alias.Get(ctx, opensearchapi.AliasGetReq{Alias: []string{ix.alias}})
	if err != nil {
		if statusOf(err) == http.StatusNotFound {
			return nil, nil
		}
		return nil, unavailable("read alias "+ix.alias, err)
	}
	var names []string
	for name := range resp.GetIndices() {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// swapAlias moves the alias from old to name in one atomic step, so readers never see a
// missing or half-built index.
func (ix *Index) swapAlias(ctx context.Context, old []string, name string) error {
	actions := []any{}
	for _, o := range old {
		actions = append(actions, map[string]any{"remove": map[string]any{"index": o, "alias": ix.alias}})
	}
	actions = append(actions, map[string]any{"add": map[string]any{"index": name, "alias": ix.alias, "is_write_index": true}})
	b, _ := json.Marshal(map[string]any{"actions": actions})
	if _, err := ix.api.Aliases(ctx, opensearchapi.AliasesReq{Body: bytes.NewReader(b)}); err != nil {
		return unavailable("point alias "+ix.alias+" at "+name, err)
	}
	return nil
}

// ErrSuperseded is a change's outcome when the index already holds its version or a
// newer one: for a change made from a stream image, nothing is left to do.
var ErrSuperseded = errors.New("search: the index holds this version or a newer one")

// Apply writes changes with external versioning: each document is stored only if its
// version is higher than the stored one, so a late, older change is a no-op and a
// redelivered one too. It returns one error per change (ErrSuperseded when the index is
// at least as new as the change); a failed request fails them all.
func (ix *Index) Apply(ctx context.Context, changes []Change) []error {
	errs := make([]error, len(changes))
	if len(changes) == 0 {
		return errs
	}
	fail := func(err error) []error {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	if err := ix.Ensure(ctx); err != nil {
		return fail(err)
	}
	items, err := ix.bulk(ctx, ix.alias, true, changes)
	if err != nil {
		ix.forgetEnsured() // the index may have been deleted: check again on the retry
		return fail(err)
	}
	for i, it := range items {
		errs[i] = it
		if it != nil && !errors.Is(it, ErrSuperseded) {
			ix.forgetEnsured()
		}
	}
	return errs
}

func (ix *Index) forgetEnsured() {
	ix.ensureMu.Lock()
	ix.ensured = false
	ix.ensureMu.Unlock()
}

// bulk indexes changes into index and returns each item's outcome. requireAlias makes a
// write to a missing alias fail instead of auto-creating an index with guessed mappings.
func (ix *Index) bulk(ctx context.Context, index string, requireAlias bool, changes []Change) ([]error, error) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	for _, c := range changes {
		meta := map[string]any{"index": map[string]any{
			"_index": index, "_id": c.EventID, "version": c.Version, "version_type": "external",
		}}
		if err := enc.Encode(meta); err != nil {
			return nil, err
		}
		if err := enc.Encode(c.Doc); err != nil {
			return nil, err
		}
	}
	resp, err := ix.api.Bulk(ctx, opensearchapi.BulkReq{
		Body: &body, Params: opensearchapi.BulkParams{RequireAlias: &requireAlias},
	})
	if err != nil {
		return nil, unavailable("bulk write", err)
	}
	if len(resp.Items) != len(changes) {
		return nil, fmt.Errorf("search: bulk answered %d items for %d writes", len(resp.Items), len(changes))
	}
	out := make([]error, len(changes))
	for i, item := range resp.Items {
		r := item["index"]
		switch {
		case r.Status >= 200 && r.Status < 300:
		case r.Status == http.StatusConflict:
			out[i] = ErrSuperseded
		case r.Error != nil:
			out[i] = fmt.Errorf("search: index %s v%d: %d %s: %s", changes[i].EventID, changes[i].Version, r.Status, r.Error.Type, r.Error.Reason)
		default:
			out[i] = fmt.Errorf("search: index %s v%d: status %d", changes[i].EventID, changes[i].Version, r.Status)
		}
	}
	return out, nil
}

// Refresh makes every write so far searchable now instead of within refresh_interval.
func (ix *Index) Refresh(ctx context.Context) error {
	if _, err := ix.api.Indices.Refresh(ctx, &opensearchapi.IndicesRefreshReq{Index: []string{ix.alias}}); err != nil {
		return unavailable("refresh", err)
	}
	return nil
}

// Hit is one search result: the public fields of an event and how well it matched.
type Hit struct {
	EventID     string               `json:"event_id"`
	Name        string               `json:"name"`
	Description string               `json:"description"`
	Category    string               `json:"category"`
	VenueID     string               `json:"venue_id"`
	Venue       catalog.VenueSummary `json:"venue"`
	StartsAt    time.Time            `json:"starts_at"`
	EndsAt      time.Time            `json:"ends_at"`
	Price       catalog.Money        `json:"price"`
	// MinPrice and MaxPrice are the public ticket types' price range (absent on documents
	// indexed before ticket types).
	MinPrice  *int64  `json:"min_price,omitempty"`
	MaxPrice  *int64  `json:"max_price,omitempty"`
	Capacity  int64   `json:"capacity"`
	Available int64   `json:"available"`
	SoldOut   bool    `json:"sold_out"`
	Version   int64   `json:"version"`
	Score     float64 `json:"score"`
}

// Bucket is one facet value and how many results have it.
type Bucket struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// PriceRange is the cheapest and dearest price among the results (nil when none).
type PriceRange struct {
	Min *catalog.Money `json:"min"`
	Max *catalog.Money `json:"max"`
}

// Facets summarise all results, not just this page.
type Facets struct {
	Cities     []Bucket   `json:"cities"`
	Categories []Bucket   `json:"categories"`
	Price      PriceRange `json:"price"`
}

// Results is one page of a search.
type Results struct {
	Items      []Hit  `json:"items"`
	Total      int64  `json:"total"`
	NextCursor string `json:"next_cursor,omitempty"`
	Facets     Facets `json:"facets"`
}

// Currency of every price; the catalogue sells in one currency.
const Currency = "USD"

// Search runs q against the alias.
func (ix *Index) Search(ctx context.Context, q Query) (Results, error) {
	page := q
	page.Limit = q.Limit + 1 // one more than asked tells whether another page exists
	resp, err := ix.search(ctx, searchBody(page))
	if err != nil {
		return Results{}, unavailable("search", err)
	}
	out := Results{Items: []Hit{}, Total: int64(resp.Hits.Total.Value)}
	hits := resp.Hits.Hits
	if len(hits) > q.Limit {
		hits = hits[:q.Limit]
		out.NextCursor = encodeCursor(q.Sort, hits[len(hits)-1].Sort)
	}
	for _, h := range hits {
		var d Document
		if err := json.Unmarshal(h.Source, &d); err != nil {
			return Results{}, fmt.Errorf("search: decode hit %s: %w", h.ID, err)
		}
		out.Items = append(out.Items, hitOf(d, float64(h.Score)))
	}
	if out.Facets, err = facetsOf(resp.Aggregations); err != nil {
		return Results{}, err
	}
	return out, nil
}

func hitOf(d Document, score float64) Hit {
	h := Hit{
		EventID: d.EventID, Name: d.Name, Description: d.Description, Category: d.Category,
		VenueID: d.VenueID, Venue: catalog.VenueSummary{Name: d.VenueName, City: d.City, Address: d.VenueAddress},
		Capacity: d.Capacity, Available: d.Available, SoldOut: d.SoldOut, Version: d.Version, Score: score,
		MinPrice: d.MinPrice, MaxPrice: d.MaxPrice,
	}
	if d.StartsAt != nil {
		h.StartsAt = *d.StartsAt
	}
	if d.EndsAt != nil {
		h.EndsAt = *d.EndsAt
	}
	if d.Price != nil {
		h.Price = *d.Price
	}
	return h
}

func facetsOf(raw json.RawMessage) (Facets, error) {
	var aggs struct {
		Cities struct {
			Buckets []struct {
				Key      string
				DocCount int64 `json:"doc_count"`
			}
		} `json:"cities"`
		Categories struct {
			Buckets []struct {
				Key      string
				DocCount int64 `json:"doc_count"`
			}
		} `json:"categories"`
		MinPrice struct{ Value *float64 } `json:"min_price"`
		MaxPrice struct{ Value *float64 } `json:"max_price"`
	}
	if err := json.Unmarshal(raw, &aggs); err != nil {
		return Facets{}, fmt.Errorf("search: decode facets: %w", err)
	}
	f := Facets{Cities: []Bucket{}, Categories: []Bucket{}}
	for _, b := range aggs.Cities.Buckets {
		f.Cities = append(f.Cities, Bucket{Value: b.Key, Count: b.DocCount})
	}
	for _, b := range aggs.Categories.Buckets {
		f.Categories = append(f.Categories, Bucket{Value: b.Key, Count: b.DocCount})
	}
	f.Price = PriceRange{Min: money(aggs.MinPrice.Value), Max: money(aggs.MaxPrice.Value)}
	return f, nil
}

func money(v *float64) *catalog.Money {
	if v == nil {
		return nil
	}
	return &catalog.Money{Amount: int64(*v), Currency: Currency}
}

// Suggestion is one event name starting with the typed prefix.
type Suggestion struct {
	EventID  string    `json:"event_id"`
	Name     string    `json:"name"`
	StartsAt time.Time `json:"starts_at"`
}

// Suggest returns published event names that start with prefix (at a word boundary).
func (ix *Index) Suggest(ctx context.Context, prefix string, limit int) ([]Suggestion, error) {
	resp, err := ix.search(ctx, suggestBody(prefix, limit))
	if err != nil {
		return nil, unavailable("suggest", err)
	}
	out := []Suggestion{}
	for _, s := range resp.Suggest["names"] {
		for _, o := range s.Options {
			var d Document
			if err := json.Unmarshal(o.Source, &d); err != nil {
				return nil, fmt.Errorf("search: decode suggestion %s: %w", o.ID, err)
			}
			sg := Suggestion{EventID: d.EventID, Name: d.Name}
			if d.StartsAt != nil {
				sg.StartsAt = *d.StartsAt
			}
			out = append(out, sg)
		}
	}
	return out, nil
}

// search runs a search request. Before the first event is indexed there is no index: it
// is created (empty) then, so a new deployment answers searches with no results, not 503s.
func (ix *Index) search(ctx context.Context, body map[string]any) (*opensearchapi.SearchResp, error) {
	b, _ := json.Marshal(body)
	resp, err := ix.api.Search(ctx, &opensearchapi.SearchReq{Indices: []string{ix.alias}, Body: bytes.NewReader(b)})
	if err != nil && errorType(err) == "index_not_found_exception" {
		ix.forgetEnsured()
		if err := ix.Ensure(ctx); err != nil {
			return nil, err
		}
		resp, err = ix.api.Search(ctx, &opensearchapi.SearchReq{Indices: []string{ix.alias}, Body: bytes.NewReader(b)})
	}
	return resp, err
}

// unavailable turns a failed call into the error callers see: 503 search_unavailable,
// with the cause kept for the log.
func unavailable(what string, err error) error {
	var already *unavailableError
	if errors.As(err, &already) {
		return err
	}
	return &unavailableError{what: what, err: err}
}

type unavailableError struct {
	what string
	err  error
}

func (e *unavailableError) Error() string { return "search: " + e.what + ": " + e.err.Error() }
func (e *unavailableError) Unwrap() []error {
	return []error{e.err, &fault.Error{Code: fault.SearchUnavailable, Message: "Search is unavailable right now; try again shortly", RetryAfter: 1}}
}

func statusOf(err error) int {
	var se *opensearch.StructError
	if errors.As(err, &se) {
		return se.Status
	}
	var str *opensearch.StringError
	if errors.As(err, &str) {
		return str.Status
	}
	return 0
}

func errorType(err error) string {
	var se *opensearch.StructError
	if errors.As(err, &se) {
		return se.Err.Type
	}
	return ""
}
