# Used by bench/osv-scanner-compare.sh: compares the advisory groups of vigil
# ($v) and osv-scanner ($o) per package. Each input is a list of
#   {pkg: "Go|name@version", ids: [every ID and alias of one advisory], rec: "record ID"}
# where ids == [] only registers the package (it was inventoried). Two groups
# are the same advisory when their ID sets share an ID (vigil names a finding
# by its CVE with the GHSA and GO IDs as aliases; osv-scanner by the record's
# own ID). Emits one object per package:
#   {pkg, inV, inO, both: [groups matched], vonly: [groups], oonly: [groups]}

def bypkg: reduce .[] as $g ({};
	.[$g.pkg] |= ((. // []) + (if ($g.ids | length) > 0 then [{ids: ($g.ids | unique), rec: $g.rec}] else [] end)))
	| map_values(unique_by(.ids));
def meets($a; $b): any($a.ids[]; . as $x | any($b.ids[]; . == $x));
def unmatched($mine; $theirs): [$mine[] | . as $g | select(any($theirs[]; meets($g; .)) | not)];

($v | bypkg) as $V | ($o | bypkg) as $O
| ([$V | keys[]] + [$O | keys[]] | unique)[]
| . as $p
| ($V[$p] // []) as $vg | ($O[$p] // [])as $og
| {pkg: $p, inV: ($V | has($p)), inO: ($O | has($p)),
   both: [$vg[] | . as $g | select(any($og[]; meets($g; .)))],
   vonly: unmatched($vg; $og), oonly: unmatched($og; $vg)}
