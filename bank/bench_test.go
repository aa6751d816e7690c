package bank

import "os"

var benchDir string

func benchCleanup() {
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
}
