package sources

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Pattern is an EventBridge event pattern, as Pipes and event source mappings use for
// FilterCriteria. Supported: exact values, prefix, suffix, anything-but,
// equals-ignore-case, exists and numeric comparisons.
type Pattern map[string]any

// ParsePattern parses a JSON event pattern.
func ParsePattern(s string) (Pattern, error) {
	var p Pattern
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("filter pattern %s: %w", s, err)
	}
	if err := validate(p); err != nil {
		return nil, fmt.Errorf("filter pattern %s: %w", s, err)
	}
	return p, nil
}

func validate(p map[string]any) error {
	for k, v := range p {
		switch x := v.(type) {
		case map[string]any:
			if err := validate(x); err != nil {
				return err
			}
		case []any:
			for _, m := range x {
				if mm, ok := m.(map[string]any); ok {
					for op := range mm {
						switch op {
						case "prefix", "suffix", "anything-but", "equals-ignore-case", "exists", "numeric":
						default:
							return fmt.Errorf("%s: matcher %q is not supported locally", k, op)
						}
					}
				}
			}
		default:
			return fmt.Errorf("%s: values must be in a list", k)
		}
	}
	return nil
}

// Match reports whether a JSON event (decoded with UseNumber) matches the pattern.
func (p Pattern) Match(event map[string]any) bool {
	return matchObject(p, event)
}

func matchObject(p map[string]any, ev map[string]any) bool {
	for k, pv := range p {
		v, present := ev[k]
		switch x := pv.(type) {
		case map[string]any:
			sub, ok := v.(map[string]any)
			if !ok || !matchObject(x, sub) {
				return false
			}
		case []any:
			if !matchList(x, v, present) {
				return false
			}
		}
	}
	return true
}

// matchList: the field matches when any matcher matches its value (or, for a list
// value, any of its elements).
func matchList(matchers []any, v any, present bool) bool {
	values := []any{v}
	if l, ok := v.([]any); ok {
		values = l
	}
	for _, m := range matchers {
		if mm, ok := m.(map[string]any); ok {
			if ex, ok := mm["exists"]; ok {
				if b, _ := ex.(bool); b == present {
					return true
				}
				continue
			}
		}
		if !present {
			continue
		}
		for _, val := range values {
			if matchValue(m, val) {
				return true
			}
		}
	}
	return false
}

func matchValue(m, v any) bool {
	mm, isMatcher := m.(map[string]any)
	if !isMatcher {
		return scalarEqual(m, v)
	}
	s, isString := v.(string)
	for op, arg := range mm {
		switch op {
		case "prefix":
			p, _ := arg.(string)
			return isString && strings.HasPrefix(s, p)
		case "suffix":
			p, _ := arg.(string)
			return isString && strings.HasSuffix(s, p)
		case "equals-ignore-case":
			p, _ := arg.(string)
			return isString && strings.EqualFold(s, p)
		case "anything-but":
			if l, ok := arg.([]any); ok {
				for _, e := range l {
					if scalarEqual(e, v) {
						return false
					}
				}
				return true
			}
			if sub, ok := arg.(map[string]any); ok {
				return !matchValue(sub, v)
			}
			return !scalarEqual(arg, v)
		case "numeric":
			return matchNumeric(arg, v)
		}
	}
	return false
}

func scalarEqual(a, b any) bool {
	an, aNum := a.(json.Number)
	bn, bNum := b.(json.Number)
	if aNum && bNum {
		af, _ := an.Float64()
		bf, _ := bn.Float64()
		return af == bf
	}
	return a == b
}

func matchNumeric(arg, v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	x, err := n.Float64()
	if err != nil {
		return false
	}
	l, _ := arg.([]any)
	for i := 0; i+1 < len(l); i += 2 {
		op, _ := l[i].(string)
		bn, _ := l[i+1].(json.Number)
		b, err := bn.Float64()
		if err != nil {
			return false
		}
		ok := map[string]bool{"=": x == b, "<": x < b, "<=": x <= b, ">": x > b, ">=": x >= b}[op]
		if !ok {
			return false
		}
	}
	return len(l) > 0
}
