package inventory

// Inventory is everything known about one scanned artifact: where it came
// from, its operating system and its packages.
type Inventory struct {
	Source Source `json:"source"`
	// Distro is nil when no operating system could be identified.
	Distro   *Distro   `json:"distro,omitempty"`
	Packages []Package `json:"packages"`
}

// Source identifies what was scanned.
type Source struct {
	// Kind is "registry", "docker-archive", "oci-layout", "oci-archive" or "dir".
	Kind string `json:"kind"`
	// Name is the reference or path as given.
	Name string `json:"name"`
	// Digest is the manifest digest, where there is one.
	Digest   string      `json:"digest,omitempty"`
	Platform string      `json:"platform,omitempty"`
	Layers   []LayerInfo `json:"layers,omitempty"`
}

// LayerInfo describes one layer of the scanned image, base first.
type LayerInfo struct {
	Digest    string `json:"digest"`
	DiffID    string `json:"diffID"`
	MediaType string `json:"mediaType,omitempty"`
	Size      int64  `json:"size"`
}
