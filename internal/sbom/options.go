package sbom

import (
	"crypto/rand"
	"crypto/sha1"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Options are the choices of an encoder that the inventory does not carry.
type Options struct {
	// ToolName and ToolVersion name the program that wrote the document
	// (CycloneDX metadata.tools, SPDX creator "Tool: NAME-VERSION").
	ToolName    string
	ToolVersion string
	// Organization, when set, is added as an SPDX creator "Organization: ...".
	Organization string
	// Created is the creation time written into the document. The zero value
	// means the time of encoding. Tests set it to get byte-identical output.
	Created time.Time
	// NamespaceBase is the URI under which SPDX document namespaces are made:
	// NamespaceBase/NAME-UUID.
	NamespaceBase string
	// NamespaceSeed is mixed into the name-based UUIDs of the serial number and
	// the document namespace, so that two producers of the same content can
	// keep their documents apart.
	NamespaceSeed string
	// RandomIDs makes the serial number and the document namespace random
	// instead of derived from content, seed and creation time.
	RandomIDs bool
}

// DefaultOptions returns the options the vigil command line uses, less the version.
func DefaultOptions() Options {
	return Options{
		ToolName:      "vigil",
		ToolVersion:   "devel",
		NamespaceBase: "https://vigil-sec.github.io/vigil/spdx",
	}
}

// Validate reports options an encoder cannot use.
func (o Options) Validate() error {
	var errs []error
	if o.ToolName == "" || strings.ContainsAny(o.ToolName, " \t\r\n") {
		errs = append(errs, fmt.Errorf("tool name %q: must be one non-empty word", o.ToolName))
	}
	if strings.ContainsAny(o.ToolVersion, "\r\n") {
		errs = append(errs, fmt.Errorf("tool version %q: must be one line", o.ToolVersion))
	}
	if strings.ContainsAny(o.Organization, "\r\n") {
		errs = append(errs, fmt.Errorf("organization %q: must be one line", o.Organization))
	}
	u, err := url.Parse(o.NamespaceBase)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("namespace base: %w", err))
	case !u.IsAbs() || u.Host == "" || u.Fragment != "" || strings.Contains(o.NamespaceBase, "#"):
		errs = append(errs, fmt.Errorf("namespace base %q: must be an absolute URI with a host and no fragment", o.NamespaceBase))
	}
	return errors.Join(errs...)
}

// created is the creation time to write, in whole seconds UTC as SPDX requires.
func (o Options) created() time.Time {
	t := o.Created
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC().Truncate(time.Second)
}

// tool is the tool's name and version as one word ("vigil-1.2.3").
func (o Options) tool() string {
	if o.ToolVersion == "" {
		return o.ToolName
	}
	return o.ToolName + "-" + o.ToolVersion
}

// documentUUID returns a UUID for one document: random, or version 5 (SHA-1,
// name-based) over kind, the seed, the tool, the creation time and the
// content digest.
func (o Options) documentUUID(kind string, created time.Time, content []byte) (string, error) {
	var u [16]byte
	if o.RandomIDs {
		if _, err := rand.Read(u[:]); err != nil {
			return "", fmt.Errorf("random UUID: %w", err)
		}
		u[6] = u[6]&0x0f | 0x40 // version 4
	} else {
		h := sha1.New()
		// The RFC 4122 URL namespace, so that these are ordinary v5 UUIDs.
		h.Write([]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8})
		fmt.Fprintf(h, "vigil-sbom\x00%s\x00%s\x00%s\x00%s\x00%s\x00", kind, o.NamespaceSeed, o.ToolName, o.ToolVersion, created.Format(time.RFC3339))
		h.Write(content)
		copy(u[:], h.Sum(nil))
		u[6] = u[6]&0x0f | 0x50 // version 5
	}
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]), nil
}
