package oval

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Advisory.Source of the records each flavour of OVAL gives.
const (
	SourceAzureLinux = "azurelinux"
	SourceUbuntu     = "ubuntu"
)

// Limits on hostile input. The real files are 4 MB unpacked; Canonical's
// largest (all of jammy's USNs) are a few tens of MB.
const (
	// MaxInputSize caps the (decompressed) bytes read from one file; a
	// larger file is a Problem and what was read before the cap is kept.
	MaxInputSize = 256 << 20
	// MaxDepth is the deepest element a record may hold (the real files
	// nest 9 deep); a deeper record is a Problem and the others read on.
	MaxDepth = 64
	// HardMaxDepth ends the read of the file: past it the XML decoder's own
	// stack would grow with the attacker's input.
	HardMaxDepth = 4096
	// MaxToken caps one text node or attribute value (the longest real one
	// is a 21 KB USN description).
	MaxToken = 1 << 20
	// MaxField caps a package name, version or advisory ID.
	MaxField = 512
	// MaxAlternatives caps the package alternatives one definition's
	// criteria may expand to (AND of ORs multiplies them).
	MaxAlternatives = 1024
)

// Parse reads one OVAL 5 definitions file (plain or gzip-compressed XML,
// told apart by the gzip magic bytes) and emits one Advisory per ID, sorted
// by ID: for Azure Linux and CBL-Mariner one per CVE, merging the CVE's
// per-package definitions; for Ubuntu one per USN (or LSN) with its CVEs as
// aliases. file names the input in Problems and may give the release when
// the data does not (see doc.go).
//
// A definition that cannot be mapped (a missing test, object, state or
// variable, a bad version, an unsupported operation, a field over the
// limits) is passed to problem and the others still import. A file that is
// not OVAL, declares entities, breaks off or exceeds MaxInputSize is a
// Problem: what was read before the break is kept, and definitions whose
// tests were lost to the break are reported together in one Problem. Parse
// returns an error only when reading fails, ctx is done or emit fails.
func Parse(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	return parse(ctx, r, file, MaxInputSize, emit, problem)
}

// parse is Parse with the size cap as a parameter, so tests can exceed it cheaply.
func parse(ctx context.Context, r io.Reader, file string, limit int64, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	if problem == nil {
		problem = func(*vulndb.Problem) {}
	}
	p := newParser(file, problem)
	sr := vulndb.NewSourceReader(r)
	br := bufio.NewReaderSize(sr, 64<<10)
	var src io.Reader = br
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			if sr.Err() != nil {
				return fmt.Errorf("read %s: %w", file, sr.Err())
			}
			p.report("", fmt.Errorf("bad gzip header: %w", err))
			return nil
		}
		defer zr.Close()
		src = zr
	}
	lr := &io.LimitedReader{R: src, N: limit + 1}
	raw := xml.NewDecoder(lr)
	raw.Strict = true
	g := &guard{d: raw}
	dec := xml.NewTokenDecoder(g)

	err := p.read(ctx, dec, g)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if sr.Err() != nil {
			return fmt.Errorf("read %s: %w", file, sr.Err())
		}
		p.broken = true
		switch {
		case lr.N <= 0:
			p.report("", fmt.Errorf("file larger than %d bytes: read stopped there (definitions before it kept)", limit))
		case errors.Is(err, errEntity), errors.Is(err, errNotOVAL):
			p.report("", err)
			return nil
		default:
			p.report("", fmt.Errorf("malformed OVAL XML at line %d (definitions before the break kept): %w", lineOf(raw), err))
		}
	}
	return p.finish(ctx, emit)
}

func lineOf(d *xml.Decoder) int {
	line, _ := d.InputPos()
	return line
}

var errNotOVAL = errors.New("not an OVAL definitions file (root element is not oval_definitions)")

// read walks the document: the generator, then each definition, test,
// object, state and variable decoded on its own.
func (p *parser) read(ctx context.Context, dec *xml.Decoder, g *guard) error {
	depth, section, n := 0, "", 0
	for {
		if n++; n%512 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		tok, err := dec.Token()
		if err == io.EOF {
			if depth != 0 || !p.root {
				return io.ErrUnexpectedEOF
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			depth--
			if depth == 1 {
				section = ""
			}
		case xml.StartElement:
			depth++
			switch depth {
			case 1:
				if t.Name.Local != "oval_definitions" {
					return errNotOVAL
				}
				p.root = true
			case 2:
				switch t.Name.Local {
				case "generator":
					var gen generatorXML
					if err := dec.DecodeElement(&gen, &t); err != nil {
						return err
					}
					p.generator = strings.TrimSpace(gen.ProductName)
					depth--
				case "definitions", "tests", "objects", "states", "variables":
					section = t.Name.Local
				default:
					if err := dec.Skip(); err != nil {
						return err
					}
					depth--
				}
			case 3:
				if err := p.record(dec, g, section, &t); err != nil {
					return err
				}
				depth--
			}
		}
	}
}

// record decodes one child of a section. Only errors that end the read are
// returned; a bad record is a Problem.
func (p *parser) record(dec *xml.Decoder, g *guard, section string, t *xml.StartElement) error {
	g.reset()
	local := t.Name.Local
	switch {
	case section == "definitions" && local == "definition":
		var d definitionXML
		if err := dec.DecodeElement(&d, t); err != nil {
			return err
		}
		if err := g.flagged(); err != nil {
			p.report(recordName(d.ID, d.Title), err)
			return nil
		}
		p.addDefinition(&d)
	case section == "tests" && strings.HasSuffix(local, "_test"):
		var x testXML
		if err := dec.DecodeElement(&x, t); err != nil {
			return err
		}
		p.addTest(&x, g.flagged())
	case section == "objects" && strings.HasSuffix(local, "_object"):
		var x objectXML
		if err := dec.DecodeElement(&x, t); err != nil {
			return err
		}
		p.addObject(&x, g.flagged())
	case section == "states" && strings.HasSuffix(local, "_state"):
		var x stateXML
		if err := dec.DecodeElement(&x, t); err != nil {
			return err
		}
		p.addState(&x, g.flagged())
	case section == "variables" && strings.HasSuffix(local, "_variable"):
		var x variableXML
		if err := dec.DecodeElement(&x, t); err != nil {
			return err
		}
		p.addVariable(&x, g.flagged())
	default:
		return dec.Skip()
	}
	return nil
}

func recordName(id, title string) string {
	id, title = clip(id), clip(title)
	switch {
	case id == "":
		return title
	case title == "":
		return id
	}
	return id + " (" + title + ")"
}

// clipLen is how many bytes of a hostile value an error quotes.
const clipLen = 80

func clip(s string) string { return vulndb.Clip(s, clipLen) }
