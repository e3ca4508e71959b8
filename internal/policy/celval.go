package policy

import (
	"fmt"
	"reflect"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// The CEL values of an Input are read-only views of its Go structs: a
// record is a CEL map whose entries are computed when an expression reads
// them, so evaluating a rule over 200 vulnerabilities allocates one small
// view per element instead of a map per element. The keys are the JSON
// field names (TestCELNamesMatchJSON checks it). Times are CEL timestamps,
// or null when unknown; severities and kinds are strings.

// fields describes the entries of one struct type.
type fields[T any] struct {
	names []string
	index map[string]int
	get   func(v *T, i int) ref.Val
}

func newFields[T any](get func(v *T, i int) ref.Val, names ...string) *fields[T] {
	f := &fields[T]{names: names, index: make(map[string]int, len(names)), get: get}
	for i, n := range names {
		f.index[n] = i
	}
	return f
}

type record[T any] struct {
	v *T
	f *fields[T]
}

var (
	_ traits.Mapper = record[Image]{}
	_ traits.Lister = types.NewRefValList(types.DefaultTypeAdapter, nil)
)

func (r record[T]) ConvertToNative(t reflect.Type) (any, error) {
	if t.Kind() == reflect.Interface || t == reflect.TypeFor[*T]() {
		return r.v, nil
	}
	return nil, fmt.Errorf("cannot convert %s to %v", reflect.TypeFor[T]().Name(), t)
}

func (r record[T]) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case types.MapType:
		return r
	case types.TypeType:
		return types.MapType
	}
	return types.NewErr("type conversion error from map to '%s'", t)
}

func (r record[T]) Equal(other ref.Val) ref.Val {
	o, ok := other.(traits.Mapper)
	if !ok || o.Size() != types.Int(len(r.f.names)) {
		return types.False
	}
	for i, n := range r.f.names {
		ov, found := o.Find(types.String(n))
		if !found || ov.Equal(r.f.get(r.v, i)) != types.True {
			return types.False
		}
	}
	return types.True
}

func (r record[T]) Type() ref.Type { return types.MapType }
func (r record[T]) Value() any     { return r.v }

func (r record[T]) Find(key ref.Val) (ref.Val, bool) {
	k, ok := key.(types.String)
	if !ok {
		return nil, false
	}
	i, ok := r.f.index[string(k)]
	if !ok {
		return nil, false
	}
	return r.f.get(r.v, i), true
}

func (r record[T]) Get(key ref.Val) ref.Val {
	if v, ok := r.Find(key); ok {
		return v
	}
	return types.NewErr("no such key: %v", key)
}

func (r record[T]) Contains(key ref.Val) ref.Val {
	_, ok := r.Find(key)
	return types.Bool(ok)
}

func (r record[T]) Size() ref.Val { return types.Int(len(r.f.names)) }

func (r record[T]) Iterator() traits.Iterator { return &nameIter{names: r.f.names} }

// nameIter iterates over a record's keys.
type nameIter struct {
	names []string
	i     int
}

func (it *nameIter) ConvertToNative(reflect.Type) (any, error) {
	return nil, fmt.Errorf("type conversion on iterators not supported")
}
func (it *nameIter) ConvertToType(ref.Type) ref.Val { return types.NewErr("no such overload") }
func (it *nameIter) Equal(ref.Val) ref.Val          { return types.NewErr("no such overload") }
func (it *nameIter) Type() ref.Type                 { return types.IteratorType }
func (it *nameIter) Value() any                     { return nil }
func (it *nameIter) HasNext() ref.Val               { return types.Bool(it.i < len(it.names)) }
func (it *nameIter) Next() ref.Val {
	if it.i >= len(it.names) {
		return nil
	}
	it.i++
	return types.String(it.names[it.i-1])
}

func timeVal(t time.Time) ref.Val {
	if t.IsZero() {
		return types.NullValue
	}
	return types.Timestamp{Time: t.UTC()}
}

func stringsVal(l []string) ref.Val { return types.NewStringList(types.DefaultTypeAdapter, l) }

func labelsVal(m map[string]string) ref.Val {
	if m == nil {
		m = map[string]string{}
	}
	return types.NewStringStringMap(types.DefaultTypeAdapter, m)
}

// celFields holds the field tables; built once per Policy (no globals).
type celFields struct {
	image       *fields[Image]
	pkg         *fields[Package]
	vuln        *fields[Vulnerability]
	vulnPkg     *fields[VulnerablePkg]
	finding     *fields[Finding]
	signature   *fields[Signature]
	attestation *fields[Attestation]
	workload    *fields[Workload]
	podSecurity *fields[PodSecurity]
}

func newCELFields() *celFields {
	c := &celFields{}
	c.image = newFields(func(v *Image, i int) ref.Val {
		switch i {
		case 0:
			return types.String(v.Ref)
		case 1:
			return types.String(v.Registry)
		case 2:
			return types.String(v.Repository)
		case 3:
			return types.String(v.Tag)
		case 4:
			return types.String(v.Digest)
		case 5:
			return timeVal(v.Created)
		case 6:
			return labelsVal(v.Labels)
		case 7:
			return types.String(v.User)
		default:
			return types.String(v.Platform)
		}
	}, "ref", "registry", "repository", "tag", "digest", "created", "labels", "user", "platform")
	c.pkg = newFields(func(v *Package, i int) ref.Val {
		switch i {
		case 0:
			return types.String(v.Type)
		case 1:
			return types.String(v.Name)
		case 2:
			return types.String(v.Version)
		case 3:
			return types.String(v.PURL)
		default:
			return stringsVal(v.Licenses)
		}
	}, "type", "name", "version", "purl", "licenses")
	c.vulnPkg = newFields(func(v *VulnerablePkg, i int) ref.Val {
		switch i {
		case 0:
			return types.String(v.Type)
		case 1:
			return types.String(v.Name)
		default:
			return types.String(v.Version)
		}
	}, "type", "name", "version")
	c.vuln = newFields(func(v *Vulnerability, i int) ref.Val {
		switch i {
		case 0:
			return types.String(v.ID)
		case 1:
			return stringsVal(v.Aliases)
		case 2:
			return types.String(v.Severity.String())
		case 3:
			return types.Double(v.CVSS)
		case 4:
			return types.String(v.FixedVersion)
		case 5:
			return types.Bool(v.Fixable)
		case 6:
			return record[VulnerablePkg]{&v.Package, c.vulnPkg}
		default:
			return types.Bool(v.KEV)
		}
	}, "id", "aliases", "severity", "cvss", "fixedVersion", "fixable", "package", "kev")
	c.finding = newFields(func(v *Finding, i int) ref.Val {
		switch i {
		case 0:
			return types.String(v.RuleID)
		case 1:
			return types.String(v.Kind)
		case 2:
			return types.String(v.Severity.String())
		case 3:
			return types.String(v.Title)
		default:
			return types.String(v.Path)
		}
	}, "ruleID", "kind", "severity", "title", "path")
	c.signature = newFields(func(v *Signature, i int) ref.Val {
		if i == 0 {
			return types.String(v.KeyID)
		}
		return types.String(v.Signer)
	}, "keyID", "signer")
	c.attestation = newFields(func(v *Attestation, i int) ref.Val {
		switch i {
		case 0:
			return types.String(v.PredicateType)
		case 1:
			return types.String(v.KeyID)
		case 2:
			return types.String(v.Signer)
		default:
			return timeVal(v.Created)
		}
	}, "predicateType", "keyID", "signer", "created")
	c.podSecurity = newFields(func(v *PodSecurity, i int) ref.Val {
		if i == 0 {
			return stringsVal(v.Baseline)
		}
		return stringsVal(v.Restricted)
	}, "baseline", "restricted")
	c.workload = newFields(func(v *Workload, i int) ref.Val {
		switch i {
		case 0:
			return types.String(v.Kind)
		case 1:
			return types.String(v.Namespace)
		case 2:
			return types.String(v.Name)
		case 3:
			return labelsVal(v.Labels)
		default:
			return record[PodSecurity]{&v.PodSecurity, c.podSecurity}
		}
	}, "kind", "namespace", "name", "labels", "podSecurity")
	return c
}

// listVal is a CEL list of records over a slice, built on first use.
func listVal[T any](s []T, f *fields[T]) ref.Val {
	vals := make([]ref.Val, len(s))
	recs := make([]record[T], len(s)) // one allocation; boxing a pointer allocates nothing
	for i := range s {
		recs[i] = record[T]{&s[i], f}
		vals[i] = &recs[i]
	}
	return types.NewRefValList(types.DefaultTypeAdapter, vals)
}
