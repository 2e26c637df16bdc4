package template

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Pseudo parameter values of the local stack.
const (
	Region    = "us-east-1"
	AccountID = "123456789012"
)

// Physical is what a created resource resolves to: Ref gives Ref, !GetAtt X.Attr gives
// Attrs[Attr].
type Physical struct {
	Ref   string
	Attrs map[string]string
}

// Stack is a template bound to a stack name, parameter values and the physical ids of
// the resources created so far. It is safe for concurrent use.
type Stack struct {
	Template *Template
	Name     string
	params   map[string]string

	mu       sync.RWMutex
	physical map[string]Physical
}

// NewStack binds the template to a stack name and parameter overrides (as
// `sam --parameter-overrides`). Unknown names, values outside AllowedValues and
// parameters without a value are errors.
func (t *Template) NewStack(name string, overrides map[string]string) (*Stack, error) {
	s := &Stack{Template: t, Name: name, params: map[string]string{}, physical: map[string]Physical{}}
	for k, v := range overrides {
		if _, ok := t.Parameters[k]; !ok {
			return nil, fmt.Errorf("parameter %s is not declared in the template", k)
		}
		s.params[k] = v
	}
	for k, p := range t.Parameters {
		v, ok := s.params[k]
		if !ok {
			if p.Default == nil {
				return nil, fmt.Errorf("parameter %s has no default; pass --param %s=<value>", k, k)
			}
			v = *p.Default
			s.params[k] = v
		}
		if len(p.AllowedValues) > 0 && !contains(p.AllowedValues, v) {
			return nil, fmt.Errorf("parameter %s=%q is not one of %v", k, v, p.AllowedValues)
		}
	}
	return s, nil
}

func contains(list []string, v string) bool {
	for _, e := range list {
		if e == v {
			return true
		}
	}
	return false
}

// Param returns a parameter's value.
func (s *Stack) Param(name string) string { return s.params[name] }

// SetPhysical records what a created resource resolves to.
func (s *Stack) SetPhysical(id string, p Physical) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.physical[id] = p
}

// Physical returns what was recorded for a resource.
func (s *Stack) Physical(id string) (Physical, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.physical[id]
	return p, ok
}

// Physicals returns a copy of every recorded resource, e.g. to write a state file.
func (s *Stack) Physicals() map[string]Physical {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]Physical, len(s.physical))
	for k, v := range s.physical {
		out[k] = v
	}
	return out
}

// PhysicalName is the name the local stack gives a resource whose template sets none,
// shaped like CloudFormation's generated names.
func (s *Stack) PhysicalName(id string) string { return s.Name + "-" + id }

// ARN builds an ARN in the local account and region.
func ARN(service, resource string) string {
	return "arn:aws:" + service + ":" + Region + ":" + AccountID + ":" + resource
}

// noValue is what AWS::NoValue resolves to; maps and lists drop it.
type noValue struct{}

// Resolve evaluates every intrinsic in v and returns plain values.
func (s *Stack) Resolve(v any) (any, error) {
	r, err := s.resolve(v)
	if _, ok := r.(noValue); ok {
		return nil, err
	}
	return r, err
}

// Decode resolves v and decodes it into out (a struct with fields named like the
// template's properties).
func (s *Stack) Decode(v any, out any) error {
	r, err := s.Resolve(v)
	if err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func (s *Stack) resolve(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
					out, err := s.intrinsic(k, arg)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", k, err)
					}
					return out, nil
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := s.resolve(e)
			if err != nil {
				return nil, fmt.Errorf("%s.%w", k, err)
			}
			if _, drop := r.(noValue); !drop {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, e := range x {
			r, err := s.resolve(e)
			if err != nil {
				return nil, fmt.Errorf("[%d].%w", i, err)
			}
			if _, drop := r.(noValue); !drop {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return v, nil
}

func (s *Stack) intrinsic(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		return s.ref(str(arg))
	case "Condition":
		return s.Condition(str(arg))
	case "Fn::GetAtt":
		res, attr, err := getAttParts(arg)
		if err != nil {
			return nil, err
		}
		return s.getAtt(res, attr)
	case "Fn::Sub":
		return s.sub(arg)
	case "Fn::If":
		l := listOf(arg)
		if len(l) != 3 {
			return nil, fmt.Errorf("needs [condition, then, else]")
		}
		ok, err := s.Condition(str(l[0]))
		if err != nil {
			return nil, err
		}
		if ok {
			return s.resolve(l[1])
		}
		return s.resolve(l[2])
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		return s.evalCondition(map[string]any{fn: arg})
	case "Fn::Join":
		l, err := s.resolveList(arg, 2)
		if err != nil {
			return nil, err
		}
		parts, ok := l[1].([]any)
		if !ok {
			return nil, fmt.Errorf("second argument must be a list")
		}
		ss := make([]string, len(parts))
		for i, p := range parts {
			ss[i] = scalarString(p)
		}
		return strings.Join(ss, scalarString(l[0])), nil
	case "Fn::Select":
		l, err := s.resolveList(arg, 2)
		if err != nil {
			return nil, err
		}
		idx, err := strconv.Atoi(scalarString(l[0]))
		if err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		items, ok := l[1].([]any)
		if !ok || idx < 0 || idx >= len(items) {
			return nil, fmt.Errorf("index %d out of range", idx)
		}
		return items[idx], nil
	case "Fn::Split":
		l, err := s.resolveList(arg, 2)
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(scalarString(l[1]), scalarString(l[0])) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::Base64":
		r, err := s.resolve(arg)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(scalarString(r))), nil
	case "Fn::GetAZs":
		return []any{Region + "a", Region + "b", Region + "c"}, nil
	}
	return nil, fmt.Errorf("intrinsic function not supported by the local stack")
}

func (s *Stack) resolveList(arg any, n int) ([]any, error) {
	r, err := s.resolve(arg)
	if err != nil {
		return nil, err
	}
	l, ok := r.([]any)
	if !ok || len(l) != n {
		return nil, fmt.Errorf("needs a list of %d arguments", n)
	}
	return l, nil
}

func (s *Stack) ref(name string) (any, error) {
	switch name {
	case "AWS::Region":
		return Region, nil
	case "AWS::AccountId":
		return AccountID, nil
	case "AWS::StackName":
		return s.Name, nil
	case "AWS::StackId":
		return ARN("cloudformation", "stack/"+s.Name+"/local"), nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::NoValue":
		return noValue{}, nil
	}
	if v, ok := s.params[name]; ok {
		if strings.HasPrefix(s.Template.Parameters[name].Type, "List<") || s.Template.Parameters[name].Type == "CommaDelimitedList" {
			var out []any
			for _, e := range strings.Split(v, ",") {
				out = append(out, strings.TrimSpace(e))
			}
			return out, nil
		}
		return v, nil
	}
	if _, ok := s.Template.Resources[name]; !ok {
		return nil, fmt.Errorf("%s is neither a parameter nor a resource", name)
	}
	if p, ok := s.Physical(name); ok {
		return p.Ref, nil
	}
	// Resources the local stack does not create resolve to a plausible name so that
	// templates mentioning them (an SNS topic in an env var) still run.
	return s.PhysicalName(name), nil
}

func (s *Stack) getAtt(res, attr string) (any, error) {
	r, ok := s.Template.Resources[res]
	if !ok {
		return nil, fmt.Errorf("no resource %s", res)
	}
	if p, ok := s.Physical(res); ok {
		if v, ok := p.Attrs[attr]; ok {
			return v, nil
		}
		return nil, fmt.Errorf("%s has no attribute %s locally", res, attr)
	}
	if attr == "Arn" {
		svc := strings.ToLower(strings.Split(r.Type, "::")[1])
		return ARN(svc, s.PhysicalName(res)), nil
	}
	return nil, fmt.Errorf("%s.%s is not known until %s is created", res, attr, res)
}

func getAttParts(arg any) (string, string, error) {
	switch x := arg.(type) {
	case string:
		res, attr, ok := strings.Cut(x, ".")
		if !ok {
			return "", "", fmt.Errorf("%q is not Resource.Attribute", x)
		}
		return res, attr, nil
	case []any:
		if len(x) == 2 {
			return str(x[0]), str(x[1]), nil
		}
	}
	return "", "", fmt.Errorf("needs Resource.Attribute")
}

var subVar = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

func (s *Stack) sub(arg any) (any, error) {
	tmpl, vars := "", map[string]any{}
	switch x := arg.(type) {
	case string:
		tmpl = x
	case []any:
		if len(x) != 2 {
			return nil, fmt.Errorf("needs a string or [string, variables]")
		}
		tmpl = str(x[0])
		r, err := s.resolve(x[1])
		if err != nil {
			return nil, err
		}
		vars = mapOf(r)
	default:
		return nil, fmt.Errorf("needs a string or [string, variables]")
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := vars[name]; ok {
			return scalarString(v)
		}
		var v any
		var err error
		if res, attr, ok := strings.Cut(name, "."); ok {
			v, err = s.getAtt(res, attr)
		} else {
			v, err = s.ref(name)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return scalarString(v)
	})
	if firstErr != nil {
		return nil, firstErr
	}
	// ${!Literal} is written as ${Literal}.
	return strings.ReplaceAll(out, "${!", "${"), nil
}

// Condition evaluates a named condition.
func (s *Stack) Condition(name string) (bool, error) {
	c, ok := s.Template.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s", name)
	}
	b, err := s.evalCondition(c)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	return b, nil
}

func (s *Stack) evalCondition(c any) (bool, error) {
	m := mapOf(c)
	if len(m) != 1 {
		return false, fmt.Errorf("not a condition function")
	}
	for fn, arg := range m {
		switch fn {
		case "Condition":
			return s.Condition(str(arg))
		case "Fn::Equals":
			l, err := s.resolveList(arg, 2)
			if err != nil {
				return false, err
			}
			return scalarString(l[0]) == scalarString(l[1]), nil
		case "Fn::Not":
			l := listOf(arg)
			if len(l) != 1 {
				return false, fmt.Errorf("Fn::Not needs one condition")
			}
			b, err := s.evalCondition(l[0])
			return !b, err
		case "Fn::And", "Fn::Or":
			and := fn == "Fn::And"
			for _, e := range listOf(arg) {
				b, err := s.evalCondition(e)
				if err != nil {
					return false, err
				}
				if b != and {
					return b, nil
				}
			}
			return and, nil
		}
		return false, fmt.Errorf("%s is not a condition function", fn)
	}
	return false, nil
}

// Conditions evaluates every named condition, sorted by name.
func (s *Stack) Conditions() (map[string]bool, error) {
	names := make([]string, 0, len(s.Template.Conditions))
	for n := range s.Template.Conditions {
		names = append(names, n)
	}
	sort.Strings(names)
	out := map[string]bool{}
	for _, n := range names {
		b, err := s.Condition(n)
		if err != nil {
			return nil, err
		}
		out[n] = b
	}
	return out, nil
}
