package irt

import "testing"

// TestVecKernelsSSE2 runs the kernel check on the SSE2 loops that machines
// without AVX2 take.
func TestVecKernelsSSE2(t *testing.T) {
	saved := useAVX2
	useAVX2 = false
	defer func() { useAVX2 = saved }()
	checkVecKernels(t)
	checkVecFused(t)
	checkVecRows(t)
}
