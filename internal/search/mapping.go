package search

import "fmt"

// MappingVersion names the index layout below. Change it whenever a change is not
// additive (a field's type or analyzer): the index is then rebuilt under the new name and
// the alias swapped (bme reindex). Additive changes are applied to the live index at start
// (min_price, max_price and prices were: documents indexed before them lack them, which the
// price filter allows for, and a reindex fills them).
const MappingVersion = 1

// DefaultAlias is the name readers and writers use; the concrete index behind it changes.
const DefaultAlias = "events"

// indexName returns a concrete index for alias at this mapping version; generation
// separates rebuilds of the same version.
func indexName(alias string, generation int64) string {
	return fmt.Sprintf("%s-v%d-%d", alias, MappingVersion, generation)
}

// settings: one shard is plenty for a catalogue of events; auto_expand_replicas gives a
// replica on a multi-node domain and none on a local single node (which would stay yellow
// forever otherwise). Only core analyzers and the built-in lowercase normalizer are used, so
// a bare node needs no analysis plugin.
const settings = `{
  "number_of_shards": 1,
  "auto_expand_replicas": "0-1",
  "refresh_interval": "1s"
}`

// mappings is strict: a document with an unexpected field fails loudly in the indexer
// instead of growing the mapping.
const mappings = `{
  "dynamic": "strict",
  "properties": {
    "event_id":      {"type": "keyword"},
    "status":        {"type": "keyword"},
    "version":       {"type": "long"},
    "name":          {"type": "text", "analyzer": "standard"},
    "description":   {"type": "text", "analyzer": "standard"},
    "category":      {"type": "keyword", "fields": {"folded": {"type": "keyword", "normalizer": "lowercase"}, "text": {"type": "text"}}},
    "venue_id":      {"type": "keyword"},
    "venue_name":    {"type": "text", "analyzer": "standard"},
    "venue_address": {"type": "text", "analyzer": "standard"},
    "city":          {"type": "keyword", "fields": {"folded": {"type": "keyword", "normalizer": "lowercase"}, "text": {"type": "text"}}},
    "starts_at":     {"type": "date"},
    "ends_at":       {"type": "date"},
    "price":         {"properties": {"amount": {"type": "long"}, "currency": {"type": "keyword"}}},
    "min_price":     {"type": "long"},
    "max_price":     {"type": "long"},
    "prices":        {"type": "long"},
    "capacity":      {"type": "long"},
    "available":     {"type": "long"},
    "sold_out":      {"type": "boolean"},
    "updated_at":    {"type": "date"},
    "suggest":       {"type": "completion", "analyzer": "simple", "max_input_length": 60}
  }
}`
