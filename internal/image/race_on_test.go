//go:build race

package image

// raceEnabled: the race detector multiplies memory and time.
const raceEnabled = true
