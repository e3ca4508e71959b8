package version

import "github.com/google/osv-scalibr/semantic"

// Cached returns a comparator that orders exactly as c does but parses each
// distinct version string once, for a caller that compares the same
// versions many times (a Match compares one installed version with every
// event of every advisory of a package, and the same events recur across
// packages). It matters for Lang, whose parse (regular expressions, big
// integers) dominates a comparison; the other comparators do not allocate
// and are returned as they are.
//
// The returned comparator is not safe for concurrent use. Its memo holds at
// most maxMemo versions; when full it starts again.
func Cached(c Comparator) Comparator {
	l, ok := c.(Lang)
	if !ok {
		return c
	}
	return &cachedLang{Lang: l, memo: map[string]parsed{}}
}

const maxMemo = 1 << 16

type parsed struct {
	v   semantic.Version
	err error
}

type cachedLang struct {
	Lang
	memo map[string]parsed
}

func (c *cachedLang) parse(s string) (semantic.Version, error) {
	if p, ok := c.memo[s]; ok {
		return p.v, p.err
	}
	v, err := semantic.Parse(s, c.Ecosystem)
	if err != nil {
		err = c.wrap(s, err)
	}
	if len(c.memo) >= maxMemo {
		clear(c.memo)
	}
	c.memo[s] = parsed{v, err}
	return v, err
}

// Compare implements Comparator.
func (c *cachedLang) Compare(a, b string) (int, error) {
	va, err := c.parse(a)
	if err != nil {
		return 0, err
	}
	vb, err := c.parse(b)
	if err != nil {
		return 0, err
	}
	r, err := va.Compare(vb)
	if err != nil {
		return 0, c.wrap(b, err)
	}
	return sign(r), nil
}
