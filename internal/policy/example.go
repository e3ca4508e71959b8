package policy

import _ "embed"

// Example is a complete, commented policy using every rule (`vigil policy
// example` prints it). Its key files are relative to where it is saved.
//
//go:embed testdata/policy.yaml
var Example string
