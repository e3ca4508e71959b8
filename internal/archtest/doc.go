// Package archtest holds only a test: it checks that vigil's packages import
// each other in the one direction the architecture allows (see
// ../shared/DESIGN.md and STYLE.md). A new package needs a rule here.
package archtest
