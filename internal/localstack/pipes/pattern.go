package pipes

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Pattern is an EventBridge event pattern, the subset pipe filters use here: nested
// objects, lists of allowed values, {"prefix": "..."} and {"exists": bool}.
type Pattern struct{ root map[string]any }

// ParsePattern reads a filter's Pattern string.
func ParsePattern(s string) (Pattern, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return Pattern{}, fmt.Errorf("filter pattern %q: %w", s, err)
	}
	return Pattern{root: m}, nil
}

// Match reports whether doc (decoded JSON) matches the pattern.
func (p Pattern) Match(doc any) bool { return matchObject(p.root, doc) }

func matchObject(pattern map[string]any, doc any) bool {
	obj, _ := doc.(map[string]any)
	for k, want := range pattern {
		v, present := obj[k]
		switch want := want.(type) {
		case map[string]any:
			if !present || !matchObject(want, v) {
				return false
			}
		case []any:
			if !matchAny(want, v, present) {
				return false
			}
		default:
			return false // a pattern leaf must be a list
		}
	}
	return true
}

func matchAny(allowed []any, v any, present bool) bool {
	for _, a := range allowed {
		switch a := a.(type) {
		case map[string]any:
			if p, ok := a["prefix"].(string); ok {
				if s, isStr := v.(string); isStr && strings.HasPrefix(s, p) {
					return true
				}
			}
			if e, ok := a["exists"].(bool); ok && e == present {
				return true
			}
		default:
			if present && fmt.Sprint(a) == fmt.Sprint(v) {
				return true
			}
		}
	}
	return false
}
