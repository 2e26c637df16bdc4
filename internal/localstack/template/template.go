// Package template reads the SAM template (template.yaml), the single source of truth for
// routes, tables, queues and schedules, and resolves its intrinsic functions (!Ref,
// !GetAtt, !Sub, !If, ...) against parameters, pseudo parameters, conditions and the
// physical ids of the resources the local stack created. Resource types the local stack
// does not emulate (alarms, dashboards, roles, topics) are kept but never interpreted; the
// templates of nested applications kept in files are parsed too, for the checks that read
// them (the local stack deploys nothing of theirs).
package template

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed template. Values are kept unresolved, with CloudFormation short
// tags rewritten to their long forms ({"Ref": x}, {"Fn::GetAtt": ...}).
type Template struct {
	Parameters map[string]Parameter
	Conditions map[string]any
	// GlobalFunction is Globals.Function, merged into every AWS::Serverless::Function.
	GlobalFunction map[string]any
	Resources      map[string]Resource
	// Applications holds the AWS::Serverless::Application resources whose Location is a
	// template file, by logical id.
	Applications map[string]*Application
	// order lists resource ids in document order.
	order []string
}

// Application is an AWS::Serverless::Application whose template is a file (Location is a
// path relative to the parent template's folder, as sam build takes it).
type Application struct {
	LogicalID string
	Location  string
	Template  *Template
	// Parameters are the parent's values for the nested template's parameters, unresolved
	// and in the parent's terms.
	Parameters map[string]any
}

// Parameter is one template parameter.
type Parameter struct {
	Type          string
	Default       *string
	AllowedValues []string
}

// Resource is one unresolved resource.
type Resource struct {
	LogicalID  string
	Type       string
	Properties map[string]any
	Metadata   map[string]any
}

// Load reads and parses a template file.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := parse(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Parse parses template YAML. The files of nested applications are read relative to the
// working directory.
func Parse(data []byte) (*Template, error) { return parse(data, "") }

func parse(data []byte, dir string) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	v, err := convert(&doc)
	if err != nil {
		return nil, err
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template is not a mapping")
	}
	t := &Template{
		Parameters:   map[string]Parameter{},
		Conditions:   mapOf(top["Conditions"]),
		Resources:    map[string]Resource{},
		Applications: map[string]*Application{},
	}
	t.GlobalFunction = mapOf(mapOf(top["Globals"])["Function"])
	for name, raw := range mapOf(top["Parameters"]) {
		pm := mapOf(raw)
		p := Parameter{Type: str(pm["Type"])}
		if d, ok := pm["Default"]; ok {
			s := scalarString(d)
			p.Default = &s
		}
		for _, a := range listOf(pm["AllowedValues"]) {
			p.AllowedValues = append(p.AllowedValues, scalarString(a))
		}
		t.Parameters[name] = p
	}
	res := mapOf(top["Resources"])
	if len(res) == 0 {
		return nil, fmt.Errorf("template has no Resources")
	}
	for id, raw := range res {
		rm := mapOf(raw)
		r := Resource{LogicalID: id, Type: str(rm["Type"]), Properties: mapOf(rm["Properties"]), Metadata: mapOf(rm["Metadata"])}
		if r.Type == "" {
			return nil, fmt.Errorf("resource %s has no Type", id)
		}
		t.Resources[id] = r
	}
	t.order = documentOrder(&doc)
	for _, id := range t.IDs(TypeApplication) {
		app, err := loadApplication(t.Resources[id], dir)
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", id, err)
		}
		if app != nil {
			t.Applications[id] = app
		}
	}
	return t, nil
}

// loadApplication parses an application's template file and checks the parameters it is
// given, as CloudFormation would when it creates the nested stack. An application from
// the Serverless Application Repository or S3 is not read (nil, no error).
func loadApplication(r Resource, dir string) (*Application, error) {
	loc, ok := r.Properties["Location"].(string)
	if !ok || strings.Contains(loc, "://") {
		return nil, nil
	}
	nested, err := Load(filepath.Join(dir, loc))
	if err != nil {
		return nil, err
	}
	app := &Application{LogicalID: r.LogicalID, Location: loc, Template: nested, Parameters: mapOf(r.Properties["Parameters"])}
	if app.Parameters == nil {
		app.Parameters = map[string]any{}
	}
	for name := range app.Parameters {
		if _, ok := nested.Parameters[name]; !ok {
			return nil, fmt.Errorf("parameter %s is not declared in %s", name, loc)
		}
	}
	for name, p := range nested.Parameters {
		if _, ok := app.Parameters[name]; !ok && p.Default == nil {
			return nil, fmt.Errorf("%s needs parameter %s, which has no default", loc, name)
		}
	}
	return app, nil
}

// Inline returns v, a value of the nested template, with every reference to a parameter
// the parent passes replaced by the parent's expression: !Ref P becomes the parent's value
// of P, and ${P} in a !Sub becomes ${X} or ${X.Attr} when that value is !Ref X or
// !GetAtt X.Attr. Checks can then read the nested template in the parent's terms
// (an alarm notifies the parent's !Ref AlarmTopic).
func (a *Application) Inline(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if r, ok := x["Ref"].(string); ok {
				if pv, ok := a.Parameters[r]; ok {
					return pv
				}
				return x
			}
			if sub, ok := x["Fn::Sub"]; ok {
				return map[string]any{"Fn::Sub": a.inlineSub(sub)}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = a.Inline(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = a.Inline(e)
		}
		return out
	}
	return v
}

func (a *Application) inlineSub(sub any) any {
	tmpl, vars := sub, map[string]any{}
	if l, ok := sub.([]any); ok && len(l) == 2 {
		tmpl, vars = l[0], mapOf(l[1])
	}
	s, ok := tmpl.(string)
	if !ok {
		return sub
	}
	s = subVar.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if _, shadowed := vars[name]; shadowed {
			return m
		}
		pv, ok := a.Parameters[name].(map[string]any)
		if !ok || len(pv) != 1 {
			return m
		}
		if r, ok := pv["Ref"].(string); ok {
			return "${" + r + "}"
		}
		if g, ok := pv["Fn::GetAtt"]; ok {
			if res, attr, err := getAttParts(g); err == nil {
				return "${" + res + "." + attr + "}"
			}
		}
		return m
	})
	if l, ok := sub.([]any); ok && len(l) == 2 {
		return []any{s, a.Inline(l[1])}
	}
	return s
}

// documentOrder lists the resource ids as they appear in the file, so everything built
// from the template (logs, listings) comes out in the author's order.
func documentOrder(doc *yaml.Node) []string {
	var ids []string
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "Resources" {
			continue
		}
		res := top.Content[i+1]
		for j := 0; j+1 < len(res.Content); j += 2 {
			ids = append(ids, res.Content[j].Value)
		}
	}
	return ids
}

// IDs returns the logical ids of resources of the given type (all when typ is empty),
// in document order.
func (t *Template) IDs(typ string) []string {
	var ids []string
	for _, id := range t.order {
		if typ == "" || t.Resources[id].Type == typ {
			ids = append(ids, id)
		}
	}
	return ids
}

// Order returns every resource id ordered so that each comes after the resources it
// references (a DLQ before the queue that redrives to it, a user pool before its client).
func (t *Template) Order() ([]string, error) {
	state := map[string]int{} // 1 visiting, 2 done
	var out []string
	var visit func(id string) error
	visit = func(id string) error {
		switch state[id] {
		case 1:
			return fmt.Errorf("resources reference each other in a cycle through %s", id)
		case 2:
			return nil
		}
		state[id] = 1
		deps := t.References(id)
		for _, d := range deps {
			if _, ok := t.Resources[d]; ok && d != id {
				if err := visit(d); err != nil {
					return err
				}
			}
		}
		state[id] = 2
		out = append(out, id)
		return nil
	}
	for _, id := range t.order {
		if err := visit(id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// References lists the resource ids a resource's properties refer to, sorted.
func (t *Template) References(id string) []string {
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 1 {
				if target, ok := refTarget(x); ok {
					if _, isRes := t.Resources[target]; isRes {
						seen[target] = true
					}
				}
				if s, ok := x["Fn::Sub"]; ok {
					tmpl := s
					if l, ok := s.([]any); ok && len(l) > 0 {
						tmpl = l[0]
					}
					for _, m := range subVar.FindAllStringSubmatch(str(tmpl), -1) {
						name, _, _ := strings.Cut(m[1], ".")
						if _, isRes := t.Resources[name]; isRes {
							seen[name] = true
						}
					}
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(t.Resources[id].Properties)
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// refTarget returns the resource a {"Ref": x} or {"Fn::GetAtt": ...} names.
func refTarget(m map[string]any) (string, bool) {
	if r, ok := m["Ref"]; ok {
		return str(r), true
	}
	if g, ok := m["Fn::GetAtt"]; ok {
		res, _, err := getAttParts(g)
		return res, err == nil
	}
	return "", false
}

// convert turns a YAML node into plain values, rewriting short-form intrinsics.
func convert(n *yaml.Node) (any, error) {
	var v any
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, fmt.Errorf("empty document")
		}
		return convert(n.Content[0])
	case yaml.AliasNode:
		return convert(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			e, err := convert(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = e
		}
		v = m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			e, err := convert(c)
			if err != nil {
				return nil, err
			}
			l = append(l, e)
		}
		v = l
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int":
			i, err := strconv.ParseInt(n.Value, 0, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n.Line, err)
			}
			return i, nil
		case "!!float":
			f, err := strconv.ParseFloat(n.Value, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n.Line, err)
			}
			return f, nil
		case "!!bool":
			return strings.EqualFold(n.Value, "true"), nil
		case "!!null":
			return nil, nil
		}
		v = n.Value
	}
	if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
		return v, nil
	}
	switch tag := strings.TrimPrefix(n.Tag, "!"); tag {
	case "Ref", "Condition":
		return map[string]any{tag: v}, nil
	default:
		return map[string]any{"Fn::" + tag: v}, nil
	}
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// scalarString renders a resolved scalar as CloudFormation would pass it on.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

var kebabBoundary = regexp.MustCompile(`([a-z0-9])([A-Z])`)

// FunctionDir returns the folder of a function's main package, relative to the root:
// CreateVenueFunction -> functions/create-venue (the Makefile's build-% rule agrees).
func FunctionDir(logicalID string) string {
	name := strings.TrimSuffix(logicalID, "Function")
	return "functions/" + strings.ToLower(kebabBoundary.ReplaceAllString(name, "$1-$2"))
}
