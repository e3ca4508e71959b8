//go:build race

package vulndb_test

const raceEnabled = true
