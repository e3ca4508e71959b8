package npm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// manifest is what Catalog reads of an installed package.json.
type manifest struct {
	Name     string  `json:"name"`
	Version  string  `json:"version"`
	License  license `json:"license"`
	Licenses license `json:"licenses"`
}

// parsePackageJSON reads the package.json of an installed package, at p:
// ".../node_modules/<name>/package.json" or
// ".../node_modules/@scope/<name>/package.json". The name and version are
// the file's (an aliased install, node_modules/alias/, holds the real
// package). A file without both is not a package and is skipped quietly.
func (r *result) parsePackageJSON(rd io.Reader, p string) error {
	if !installedPath(p) {
		r.debug("skipped package.json outside a package directory")
		return nil
	}
	var m manifest
	err := json.NewDecoder(rd).Decode(&m)
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		r.warn("value of the wrong type ignored", "err", err)
	case err != nil:
		return fmt.Errorf("parse JSON: %w", err)
	}
	if m.Name == "" || m.Version == "" {
		r.debug("skipped package.json without name and version")
		return nil
	}
	v := strings.TrimSpace(m.Version)
	if len(v) > 1 && (v[0] == 'v' || v[0] == '=') {
		v = v[1:] // as npm's normalize-package-data cleans it
	}
	switch {
	case !validName(m.Name):
		r.warn("invalid package name", "name", clip(m.Name))
		return nil
	case !validSemver(v):
		r.warn("invalid version", "name", m.Name, "version", clip(m.Version))
		return nil
	}
	return r.add(m.Name, v, append(m.License.values, m.Licenses.values...))
}

// installedPath reports whether p is the package.json of a package
// directory: the directory's parent is node_modules, or it is scoped
// (node_modules/@scope/name). Directories named ".x" (.bin, .pnpm,
// .cache) and a bare "@scope" are not packages.
func installedPath(p string) bool {
	dir := path.Dir(p)
	name, parent := path.Base(dir), path.Dir(dir)
	if name == "" || name[0] == '.' || name[0] == '@' {
		return false
	}
	if path.Base(parent) == nodeModulesDir {
		return true
	}
	scope := path.Base(parent)
	return len(scope) > 1 && scope[0] == '@' && path.Base(path.Dir(parent)) == nodeModulesDir
}
