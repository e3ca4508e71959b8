package oval

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
)

// The OVAL elements Parse decodes, one DecodeElement call each. Only what
// the mapping needs is kept: descriptions and per-CVE notes are skipped by
// the decoder without being stored.

type definitionXML struct {
	ID        string         `xml:"id,attr"`
	Class     string         `xml:"class,attr"`
	Title     string         `xml:"metadata>title"`
	Platforms []string       `xml:"metadata>affected>platform"`
	Refs      []referenceXML `xml:"metadata>reference"`
	// Azure Linux / CBL-Mariner.
	Severity     string `xml:"metadata>severity"`
	AdvisoryDate string `xml:"metadata>advisory_date"`
	Patchable    string `xml:"metadata>patchable"`
	// Ubuntu USN.
	USNSeverity string `xml:"metadata>advisory>severity"`
	Issued      struct {
		Date string `xml:"date,attr"`
	} `xml:"metadata>advisory>issued"`
	Criteria *criteriaXML `xml:"criteria"`
}

type referenceXML struct {
	Source string `xml:"source,attr"`
	RefID  string `xml:"ref_id,attr"`
	RefURL string `xml:"ref_url,attr"`
}

type criteriaXML struct {
	Operator  string         `xml:"operator,attr"`
	Negate    string         `xml:"negate,attr"`
	Criteria  []criteriaXML  `xml:"criteria"`
	Criterion []criterionXML `xml:"criterion"`
	Extend    []struct {
		Negate string `xml:"negate,attr"`
	} `xml:"extend_definition"`
}

type criterionXML struct {
	TestRef string `xml:"test_ref,attr"`
	Negate  string `xml:"negate,attr"`
}

type testXML struct {
	XMLName        xml.Name
	ID             string `xml:"id,attr"`
	CheckExistence string `xml:"check_existence,attr"`
	StateOperator  string `xml:"state_operator,attr"`
	Object         struct {
		Ref string `xml:"object_ref,attr"`
	} `xml:"object"`
	States []struct {
		Ref string `xml:"state_ref,attr"`
	} `xml:"state"`
}

type objectXML struct {
	XMLName xml.Name
	ID      string `xml:"id,attr"`
	Name    *struct {
		Value     string `xml:",chardata"`
		VarRef    string `xml:"var_ref,attr"`
		Operation string `xml:"operation,attr"`
	} `xml:"name"`
	Other []anyXML `xml:",any"`
}

type stateXML struct {
	XMLName xml.Name
	ID      string   `xml:"id,attr"`
	Fields  []anyXML `xml:",any"`
}

type anyXML struct {
	XMLName   xml.Name
	Value     string `xml:",chardata"`
	Operation string `xml:"operation,attr"`
}

type variableXML struct {
	XMLName xml.Name
	ID      string   `xml:"id,attr"`
	Values  []string `xml:"value"`
}

type generatorXML struct {
	ProductName string `xml:"product_name"`
}

// errEntity is the error for a document type declaration that declares
// entities or loads an external subset: entity expansion is how XML bombs
// work, and OVAL never needs it.
var errEntity = errors.New("DOCTYPE with entity declarations or an external subset is not accepted")

// errTooDeep ends the read of a document nested deeper than HardMaxDepth.
var errTooDeep = errors.New("elements nested too deeply")

// guard is the token source of the decoder Parse uses. It reads raw tokens
// (no namespace work; the element decoder above it translates namespaces and
// checks that end tags match) and checks every one before anything is built
// from it:
//   - a DOCTYPE that declares entities or names an external subset ends the read;
//   - an element deeper than MaxDepth is dropped whole (tokens and all) and
//     flagged, so the record holding it becomes a Problem and the others read on;
//     nesting past HardMaxDepth ends the read, as the raw decoder's own
//     stack grows with it;
//   - character data or an attribute value over MaxToken bytes is emptied
//     and flagged.
type guard struct {
	d       *xml.Decoder
	depth   int
	tooDeep bool
	tooBig  bool
}

// reset clears the flags before a record is decoded.
func (g *guard) reset() { g.tooDeep, g.tooBig = false, false }

// flagged says what was dropped from the record just decoded, or nil.
func (g *guard) flagged() error {
	switch {
	case g.tooDeep:
		return fmt.Errorf("elements nested deeper than %d", MaxDepth)
	case g.tooBig:
		return fmt.Errorf("text or attribute over %d bytes", MaxToken)
	}
	return nil
}

func (g *guard) Token() (xml.Token, error) {
	for {
		tok, err := g.d.RawToken()
		if err != nil {
			return tok, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			g.depth++
			if g.depth > MaxDepth {
				g.tooDeep = true
				if err := g.drop(); err != nil {
					return nil, err
				}
				continue
			}
			for i := range t.Attr {
				if len(t.Attr[i].Value) > MaxToken {
					t.Attr[i].Value = ""
					g.tooBig = true
				}
			}
			return t, nil
		case xml.EndElement:
			g.depth--
		case xml.CharData:
			if len(t) > MaxToken {
				g.tooBig = true
				return xml.CharData(nil), nil
			}
		case xml.Directive:
			if err := checkDirective(t); err != nil {
				return nil, err
			}
		}
		return tok, nil
	}
}

// drop reads past the rest of an element that is too deep.
func (g *guard) drop() error {
	for n := 1; n > 0; {
		if g.depth+n > HardMaxDepth {
			return fmt.Errorf("%w: over %d levels", errTooDeep, HardMaxDepth)
		}
		tok, err := g.d.RawToken()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n++
		case xml.EndElement:
			n--
		case xml.Directive:
			if err := checkDirective(t); err != nil {
				return err
			}
		}
	}
	g.depth--
	return nil
}

// checkDirective refuses a <!DOCTYPE ...> with an internal subset (where
// entities are declared) or an external one (SYSTEM/PUBLIC), and any
// stray <!ENTITY>.
func checkDirective(d xml.Directive) error {
	u := bytes.ToUpper(d)
	if bytes.Contains(u, []byte("ENTITY")) ||
		bytes.HasPrefix(u, []byte("DOCTYPE")) && (bytes.ContainsAny(u, "[") ||
			bytes.Contains(u, []byte("SYSTEM")) || bytes.Contains(u, []byte("PUBLIC"))) {
		return errEntity
	}
	return nil
}
