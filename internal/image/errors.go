package image

import "fmt"

// LayerError is why a layer was refused: it names the layer (its digest), the
// tar path at fault where there is one, and the reason. Callers branch on it
// with errors.As.
type LayerError struct {
	// Layer is the layer's digest (Layer.Digest, else its DiffID).
	Layer string
	// Path is the tar entry at fault, as the tar names it; empty when the
	// fault is the stream itself (digest, compression, size).
	Path string
	// Reason says what is wrong, in a few words.
	Reason string
	// Err is the underlying error, if any.
	Err error
}

func (e *LayerError) Error() string {
	s := "layer " + e.Layer
	if e.Path != "" {
		s += fmt.Sprintf(": path %q", e.Path)
	}
	s += ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *LayerError) Unwrap() error { return e.Err }
