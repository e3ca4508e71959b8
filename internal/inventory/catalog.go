package inventory

import "io/fs"

// Layered is the file view Catalog reads: the kept files of an image as they
// stand after each layer. image.View implements it.
type Layered interface {
	// NumLayers is the number of layers (1 for a directory).
	NumLayers() int
	// LayerID is the diff ID of layer i ("" for a directory).
	LayerID(i int) string
	// FS is the merged file system after layers 0..i, whiteouts applied.
	FS(i int) fs.FS
	// Touched lists the kept paths that layer i added, replaced or removed;
	// nil means unknown (treat every path as touched).
	Touched(i int) []string
}
