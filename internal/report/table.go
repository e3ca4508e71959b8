package report

import (
	"bufio"
	"fmt"
	"github.com/package-url/packageurl-go"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// TableOptions are the choices of the table report.
type TableOptions struct {
	// Color adds ANSI colours; set it only when writing to a terminal.
	Color bool
}

// ANSI styles. Every opening sequence has the same length, so a column
// coloured the same way in every row stays aligned by tabwriter.
const (
	styleBold   = "\x1b[01m"
	styleDim    = "\x1b[02m"
	styleGreen  = "\x1b[32m"
	styleCyan   = "\x1b[36m"
	styleYellow = "\x1b[33m"
	styleReset  = "\x1b[0m"
)

// Table writes inv as a table: a header line naming the source, its digest,
// its distribution and the package count, then one row per package with
// columns NAME, VERSION, TYPE, SOURCE (the source package, when its name
// differs; for a language package an OS package installed, "from" and
// that package's type/name) and LAYER (the index of the layer in the image, base first from
// #0, and the start of its diff ID).
func Table(w io.Writer, inv *inventory.Inventory, opts TableOptions) error {
	if inv == nil {
		return fmt.Errorf("table report: no inventory")
	}
	bw := bufio.NewWriter(w)
	style := func(s, st string) string {
		if !opts.Color {
			return s
		}
		return st + s + styleReset
	}

	pkgs := sortedPackages(inv)
	header := []string{style(clean(inv.Source.Name), styleBold)}
	if inv.Source.Digest != "" {
		d := inv.Source.Digest
		if alg, h, ok := strings.Cut(d, ":"); ok && len(h) > 12 {
			d = alg + ":" + h[:12]
		}
		header = append(header, clean(d))
	}
	if d := inv.Distro; d != nil {
		name := strings.TrimSpace(d.ID + " " + d.VersionID)
		if d.Codename != "" {
			name += " (" + d.Codename + ")"
		}
		header = append(header, clean(name))
	} else {
		header = append(header, "unknown distribution")
	}
	header = append(header, plural(len(pkgs), "package"))
	fmt.Fprintln(bw, strings.Join(header, "  "))
	if len(pkgs) == 0 {
		return flush(bw)
	}
	fmt.Fprintln(bw)

	layers := make(map[string]int, 2*len(inv.Source.Layers))
	for i, l := range inv.Source.Layers {
		for _, d := range []string{l.DiffID, l.Digest} {
			if _, seen := layers[d]; d != "" && !seen {
				layers[d] = i
			}
		}
	}

	tw := tabwriter.NewWriter(bw, 0, 8, 2, ' ', 0)
	cols := []string{styleBold, styleGreen, styleCyan, styleDim}
	row := func(cells ...string) {
		for i, c := range cells {
			if i < len(cols) {
				c = style(c, cols[i])
			} else {
				c = style(c, styleYellow)
			}
			if i > 0 {
				io.WriteString(tw, "\t")
			}
			io.WriteString(tw, c)
		}
		io.WriteString(tw, "\n")
	}
	row("NAME", "VERSION", "TYPE", "SOURCE", "LAYER")
	for i := range pkgs {
		p := &pkgs[i]
		source := ""
		if p.SourceName != "" && p.SourceName != p.Name {
			source = clean(p.SourceName)
		}
		if p.OwnedBy != "" {
			source = "from " + clean(purlName(p.OwnedBy))
		}
		row(clean(p.Name), clean(p.Version), clean(p.Type), source, layerCell(p.Layer, layers))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return flush(bw)
}

func flush(bw *bufio.Writer) error {
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// layerCell is "#INDEX SHORT" for a layer of the image, "SHORT" for a digest
// that is not one of them, "-" for none (a root file system).
func layerCell(digest string, layers map[string]int) string {
	if digest == "" {
		return "-"
	}
	short := clean(shortDigest(digest))
	if i, ok := layers[digest]; ok {
		return "#" + strconv.Itoa(i) + " " + short
	}
	return short
}

// shortDigest is the first 8 hex digits of a digest, without its algorithm.
func shortDigest(d string) string {
	_, h, ok := strings.Cut(d, ":")
	if !ok {
		h = d
	}
	if len(h) > 8 {
		h = h[:8]
	}
	return h
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// clean makes s safe to print on a terminal: control characters, other
// non-printing runes and invalid UTF-8 are written as Go escapes.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !unicode.IsPrint(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// purlName is "type/name" of a package URL ("deb/python3-urllib3"), or the
// URL itself when it does not parse.
func purlName(purl string) string {
	u, err := packageurl.FromString(purl)
	if err != nil {
		return purl
	}
	return u.Type + "/" + u.Name
}
