package spec

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/itemlab/itemlab/internal/textdist"

	"go.yaml.in/yaml/v3"
)

// checker collects the problems of one spec.
type checker struct {
	file  string
	dir   string
	nodes map[string]*yaml.Node // value node of every key present, by dotted path
	lines map[string]int        // line of every key (or list element), by dotted path
	errs  []*Error
	bad   map[string]bool // keys the walk found a problem with; checks skip them
}

// replaced are keys of earlier versions, with what replaced them.
var replaced = map[string]string{
	"base_form.drift_threshold": "drift_threshold was replaced by drift_statistic and drift_alpha " +
		"(the screen now uses each anchor's standard error); remove it",
	"base_form.drift_z": "drift_z was replaced by drift_statistic and drift_alpha " +
		"(the screen now uses each anchor's standard error); remove it",
}

// errorf records a problem at the line of the key path.
func (c *checker) errorf(path, format string, args ...any) {
	for p := path; c.bad != nil && p != ""; p = parent(p) {
		if c.bad[p] {
			return // already reported, e.g. a value of the wrong type
		}
	}
	c.errs = append(c.errs, &Error{File: c.file, Line: c.lines[path], Key: path, Err: fmt.Errorf(format, args...)})
}

// result sorts the problems by line and caps their number.
func (c *checker) result() Errors {
	sort.SliceStable(c.errs, func(i, j int) bool { return c.errs[i].Line < c.errs[j].Line })
	es := Errors(c.errs)
	if len(es) > MaxErrors {
		more := len(es) - MaxErrors
		es = append(es[:MaxErrors:MaxErrors], &Error{File: c.file, Err: fmt.Errorf("and %d more problems", more)})
	}
	return es
}

// yamlFields lists the keys of a struct type with their field types.
func yamlFields(t reflect.Type) (names []string, types map[string]reflect.Type) {
	types = map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || name == "" {
			continue
		}
		names = append(names, name)
		types[name] = f.Type
	}
	return names, types
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// isSection reports whether values of t are mappings the walk descends into.
func isSection(t reflect.Type) bool {
	t = deref(t)
	return t.Kind() == reflect.Struct || (t.Kind() == reflect.Slice && deref(t.Elem()).Kind() == reflect.Struct)
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for k := 0; n != nil && n.Kind == yaml.AliasNode && k < 100; k++ {
		n = n.Alias
	}
	return n
}

// sectionName is how a message names the mapping at path.
func sectionName(path string) string {
	if path == "" {
		return "at the top level"
	}
	for {
		i := strings.LastIndexByte(path, '[')
		if i < 0 || !strings.HasSuffix(path, "]") {
			break
		}
		path = path[:i]
	}
	return "in " + path
}

// parent is the path of the mapping or list that holds path.
func parent(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// walk checks the keys of n against the fields of t, records the line and
// value node of every key, and decodes every leaf value on its own so that a
// value of the wrong type is reported with its key.
func (c *checker) walk(n *yaml.Node, t reflect.Type, path string, depth int) {
	n = resolve(n)
	if n == nil || depth > 20 {
		return
	}
	t = deref(t)
	switch {
	case t.Kind() == reflect.Struct:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.MappingNode {
			what := "the spec"
			if path != "" {
				what = path
			}
			names, _ := yamlFields(t)
			c.errorf(path, "%s: want a mapping of keys (%s), got %s", what, strings.Join(names, ", "), describe(n))
			if path == "" {
				c.errs[len(c.errs)-1].Line = n.Line
			}
			return
		}
		names, types := yamlFields(t)
		for k := 0; k+1 < len(n.Content); k += 2 {
			kn, vn := resolve(n.Content[k]), n.Content[k+1]
			if kn == nil {
				continue
			}
			if kn.Kind != yaml.ScalarNode || kn.ShortTag() == "!!merge" {
				c.errs = append(c.errs, &Error{File: c.file, Line: n.Content[k].Line, Key: join(path, "<<"),
					Err: fmt.Errorf("%s: a key must be a plain name (merge keys << and complex keys are not supported)", strings.TrimPrefix(sectionName(path), "in "))})
				continue
			}
			key := kn.Value
			p := join(path, key)
			if _, dup := c.lines[p]; dup {
				continue // the YAML parser reports duplicate keys; an alias may repeat one
			}
			c.lines[p] = n.Content[k].Line
			c.nodes[p] = vn
			ft, ok := types[key]
			if !ok {
				if msg, ok := replaced[p]; ok {
					c.errorf(p, "%s", msg)
				} else {
					c.errorf(p, "%s", unknownKey(key, path, names))
				}
				continue
			}
			c.walk(vn, ft, p, depth+1)
		}
	case t.Kind() == reflect.Slice && isSection(t.Elem()):
		if isNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			c.errorf(path, "%s: want a list, got %s", path, describe(n))
			return
		}
		for k, e := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, k)
			c.lines[p] = e.Line
			c.nodes[p] = e
			c.walk(e, t.Elem(), p, depth+1)
		}
	default:
		c.leaf(n, t, path)
	}
}

// leaf decodes a value on its own and checks that whole numbers are whole.
func (c *checker) leaf(n *yaml.Node, t reflect.Type, path string) {
	if isNull(n) {
		return
	}
	v := reflect.New(t)
	if err := n.Decode(v.Interface()); err != nil {
		c.errorf(path, "%s: %s is not %s", path, describe(n), want(t))
		return
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Uint64:
		// The YAML library truncates 2.5 to 2 for an int: refuse it.
		if n.ShortTag() == "!!float" {
			f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
			if err != nil || f != math.Trunc(f) {
				c.errorf(path, "%s: %s is not %s", path, describe(n), want(t))
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			c.errorf(path, "%s: %s is not %s", path, describe(n), want(t))
			return
		}
		for k, e := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, k)
			c.lines[p] = e.Line
			c.nodes[p] = e
		}
	}
}

// describe shows a value node as the user wrote it.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:37] + "..."
	}
	return strconv.Quote(v)
}

// want names what a Go type accepts.
func want(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return want(t.Elem())
	case reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Uint64:
		return "a whole number ≥ 0"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a text value"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(want(t.Elem()), "a "), "an ") + "s"
	}
	return "a " + t.String()
}

// allKeys is the dotted path of every known key, for "it belongs in".
var allKeys = func() map[string][]string {
	out := map[string][]string{}
	var add func(t reflect.Type, prefix string)
	add = func(t reflect.Type, prefix string) {
		t = deref(t)
		if t.Kind() == reflect.Slice {
			t = deref(t.Elem())
		}
		names, types := yamlFields(t)
		for _, n := range names {
			out[n] = append(out[n], prefix)
			if isSection(types[n]) {
				add(types[n], join(prefix, n))
			}
		}
	}
	add(reflect.TypeFor[Spec](), "")
	return out
}()

// unknownKey says that key is not one of the section's names, suggesting the
// nearest name when it is close, the section it belongs in when it is a key
// of another one, and otherwise listing the valid keys.
func unknownKey(key, section string, names []string) string {
	where := sectionName(section)
	best, bestD := "", math.MaxInt
	lk := strings.ToLower(strings.ReplaceAll(key, "-", "_"))
	for _, n := range names {
		if d := textdist.Distance(lk, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best != "" && bestD <= closeEnough(key) {
		return fmt.Sprintf("unknown key %q %s (did you mean %q?)", key, where, best)
	}
	if others, ok := allKeys[lk]; ok && !slices.Contains(others, section) {
		in := others[0]
		if in == "" {
			return fmt.Sprintf("unknown key %q %s (it belongs at the top level)", key, where)
		}
		return fmt.Sprintf("unknown key %q %s (it belongs in %s)", key, where, in)
	}
	return fmt.Sprintf("unknown key %q %s; valid keys: %s", key, where, strings.Join(names, ", "))
}

// closeEnough is the largest edit distance at which a key counts as a typo.
func closeEnough(key string) int {
	switch n := len(key); {
	case n <= 3:
		return 1
	case n <= 8:
		return 2
	default:
		return 3
	}
}
