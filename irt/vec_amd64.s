#include "textflag.h"

// func vecScaleAccAsm(p, nq []float64, s float64): p[i] = p[i]·s, then
// nq[i] = nq[i] + p[i], for i < len(p).
TEXT ·vecScaleAccAsm(SB), NOSPLIT, $0-56
	MOVQ p_base+0(FP), DI
	MOVQ nq_base+24(FP), SI
	MOVQ p_len+8(FP), CX
	MOVSD s+48(FP), X2
	CMPB ·useAVX2(SB), $0
	JEQ  vecScaleAcc_sse
	VBROADCASTSD s+48(FP), Y2
vecScaleAcc_loop4:
	CMPQ CX, $4
	JLT  vecScaleAcc_tail
	VMULPD (DI), Y2, Y0
	VMOVUPD Y0, (DI)
	VADDPD (SI), Y0, Y1
	VMOVUPD Y1, (SI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  vecScaleAcc_loop4
vecScaleAcc_tail:
	VZEROUPPER
vecScaleAcc_sse:
	CMPQ CX, $0
	JEQ  vecScaleAcc_done
	MOVSD (DI), X0
	MULSD X2, X0
	MOVSD X0, (DI)
	ADDSD (SI), X0
	MOVSD X0, (SI)
	ADDQ $8, SI
	ADDQ $8, DI
	DECQ CX
	JMP  vecScaleAcc_sse
vecScaleAcc_done:
	RET

// func vecDerivAsm(p, nq, pp, h []float64, w, hb float64): x = (w·pp[i])·(h[i] − hb),
// p[i] = x, nq[i] = nq[i] + x, for i < len(p).
TEXT ·vecDerivAsm(SB), NOSPLIT, $0-112
	MOVQ p_base+0(FP), DI
	MOVQ nq_base+24(FP), SI
	MOVQ pp_base+48(FP), R8
	MOVQ h_base+72(FP), R9
	MOVQ p_len+8(FP), CX
	MOVSD w+96(FP), X4
	MOVSD hb+104(FP), X5
	CMPB ·useAVX2(SB), $0
	JEQ  vecDeriv_sse
	VBROADCASTSD w+96(FP), Y4
	VBROADCASTSD hb+104(FP), Y5
vecDeriv_loop4:
	CMPQ CX, $4
	JLT  vecDeriv_tail
	VMULPD (R8), Y4, Y0
	VMOVUPD (R9), Y1
	VSUBPD Y5, Y1, Y1
	VMULPD Y1, Y0, Y0
	VMOVUPD Y0, (DI)
	VADDPD (SI), Y0, Y1
	VMOVUPD Y1, (SI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	SUBQ $4, CX
	JMP  vecDeriv_loop4
vecDeriv_tail:
	VZEROUPPER
vecDeriv_sse:
	CMPQ CX, $0
	JEQ  vecDeriv_done
	MOVSD (R8), X0
	MULSD X4, X0
	MOVSD (R9), X1
	SUBSD X5, X1
	MULSD X1, X0
	MOVSD X0, (DI)
	ADDSD (SI), X0
	MOVSD X0, (SI)
	ADDQ $8, DI
	ADDQ $8, SI
	ADDQ $8, R8
	ADDQ $8, R9
	DECQ CX
	JMP  vecDeriv_sse
vecDeriv_done:
	RET

// func vecDotAsm(a, b []float64) float64: Σ a[i]·b[i] over i < len(a) in
// the order vecDotScalar defines: four lanes, lane l summing the products
// of i ≡ l (mod 4) below len(a) rounded down to a multiple of 4, the lanes
// combined as (s0 + s1) + (s2 + s3), then the remaining products in order.
TEXT ·vecDotAsm(SB), NOSPLIT, $0-56
	MOVQ a_base+0(FP), DI
	MOVQ b_base+24(FP), SI
	MOVQ a_len+8(FP), CX
	CMPB ·useAVX2(SB), $0
	JEQ  vecDot_sse
	VXORPD Y0, Y0, Y0
vecDot_loop4:
	CMPQ CX, $4
	JLT  vecDot_hsum
	VMOVUPD (DI), Y1
	VMULPD (SI), Y1, Y1
	VADDPD Y1, Y0, Y0
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $4, CX
	JMP  vecDot_loop4
vecDot_hsum:
	VEXTRACTF128 $1, Y0, X1
	VHADDPD X0, X0, X0
	VHADDPD X1, X1, X1
	VADDSD X1, X0, X0
	VZEROUPPER
	JMP  vecDot_tail
vecDot_sse:
	// The same lanes with SSE2: X0 = (s0, s1), X1 = (s2, s3).
	XORPD X0, X0
	XORPD X1, X1
vecDot_sse4:
	CMPQ CX, $4
	JLT  vecDot_ssehsum
	MOVUPD (DI), X2
	MOVUPD (SI), X3
	MULPD X3, X2
	ADDPD X2, X0
	MOVUPD 16(DI), X2
	MOVUPD 16(SI), X3
	MULPD X3, X2
	ADDPD X2, X1
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $4, CX
	JMP  vecDot_sse4
vecDot_ssehsum:
	HADDPD X0, X0
	HADDPD X1, X1
	ADDSD X1, X0
vecDot_tail:
	CMPQ CX, $0
	JEQ  vecDot_done
	MOVSD (DI), X2
	MULSD (SI), X2
	ADDSD X2, X0
	ADDQ $8, DI
	ADDQ $8, SI
	DECQ CX
	JMP  vecDot_tail
vecDot_done:
	MOVSD X0, ret+48(FP)
	RET

// func vecAddRowsAsm(tab []float64, offs []int32, src []float64) bool:
// tab[o+i] = tab[o+i] + src[i] for each o in offs and i < len(src), in the
// order of offs, each row four at a time with AVX2 (one at a time with
// SSE2). It returns false, having written the rows before it, at the first
// o outside 0 ≤ o ≤ len(tab) − len(src).
TEXT ·vecAddRowsAsm(SB), NOSPLIT, $0-73
	MOVQ tab_base+0(FP), R8
	MOVQ tab_len+8(FP), R9
	MOVQ offs_base+24(FP), R10
	MOVQ offs_len+32(FP), R11
	MOVQ src_base+48(FP), R12
	MOVQ src_len+56(FP), R13
	MOVBLZX ·useAVX2(SB), R14
	SUBQ R13, R9 // largest valid offset (negative if src is longer)
	JLT  addRows_bad
addRows_next:
	CMPQ R11, $0
	JEQ  addRows_ok
	MOVLQSX (R10), AX
	CMPQ AX, R9
	JA   addRows_bad // unsigned: also catches o < 0
	LEAQ (R8)(AX*8), DI
	MOVQ R12, SI
	MOVQ R13, CX
	CMPQ R14, $0
	JEQ  addRows_sse
addRows_loop4:
	CMPQ CX, $4
	JLT  addRows_sse
	VMOVUPD (DI), Y0
	VADDPD (SI), Y0, Y0
	VMOVUPD Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  addRows_loop4
addRows_sse:
	CMPQ CX, $0
	JEQ  addRows_row
	MOVSD (DI), X0
	ADDSD (SI), X0
	MOVSD X0, (DI)
	ADDQ $8, SI
	ADDQ $8, DI
	DECQ CX
	JMP  addRows_sse
addRows_row:
	ADDQ $4, R10
	DECQ R11
	JMP  addRows_next
addRows_ok:
	CMPQ R14, $0
	JEQ  addRows_ok1
	VZEROUPPER
addRows_ok1:
	MOVB $1, ret+72(FP)
	RET
addRows_bad:
	CMPQ R14, $0
	JEQ  addRows_bad1
	VZEROUPPER
addRows_bad1:
	MOVB $0, ret+72(FP)
	RET

// func vecSumRowsAsm(dst, tab []float64, offs []int32, neg bool) bool:
// dst[i] = dst[i] + tab[o+i] (or − with neg) for each o in offs and
// i < len(dst), in the order of offs; false, as vecAddRowsAsm, at the
// first o outside 0 ≤ o ≤ len(tab) − len(dst).
TEXT ·vecSumRowsAsm(SB), NOSPLIT, $0-81
	MOVQ dst_base+0(FP), R12
	MOVQ dst_len+8(FP), R13
	MOVQ tab_base+24(FP), R8
	MOVQ tab_len+32(FP), R9
	MOVQ offs_base+48(FP), R10
	MOVQ offs_len+56(FP), R11
	MOVBLZX neg+72(FP), R15
	MOVBLZX ·useAVX2(SB), R14
	SUBQ R13, R9
	JLT  sumRows_bad
sumRows_next:
	CMPQ R11, $0
	JEQ  sumRows_ok
	MOVLQSX (R10), AX
	CMPQ AX, R9
	JA   sumRows_bad
	LEAQ (R8)(AX*8), SI
	MOVQ R12, DI
	MOVQ R13, CX
	CMPQ R15, $0
	JNE  sumRows_subsse
	CMPQ R14, $0
	JEQ  sumRows_addsse
sumRows_add4:
	CMPQ CX, $4
	JLT  sumRows_addsse
	VMOVUPD (DI), Y0
	VADDPD (SI), Y0, Y0
	VMOVUPD Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  sumRows_add4
sumRows_addsse:
	CMPQ CX, $0
	JEQ  sumRows_row
	MOVSD (DI), X0
	ADDSD (SI), X0
	MOVSD X0, (DI)
	ADDQ $8, SI
	ADDQ $8, DI
	DECQ CX
	JMP  sumRows_addsse
sumRows_subsse:
	CMPQ R14, $0
	JEQ  sumRows_subsse1
sumRows_sub4:
	CMPQ CX, $4
	JLT  sumRows_subsse1
	VMOVUPD (DI), Y0
	VSUBPD (SI), Y0, Y0
	VMOVUPD Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $4, CX
	JMP  sumRows_sub4
sumRows_subsse1:
	CMPQ CX, $0
	JEQ  sumRows_row
	MOVSD (DI), X0
	SUBSD (SI), X0
	MOVSD X0, (DI)
	ADDQ $8, SI
	ADDQ $8, DI
	DECQ CX
	JMP  sumRows_subsse1
sumRows_row:
	ADDQ $4, R10
	DECQ R11
	JMP  sumRows_next
sumRows_ok:
	CMPQ R14, $0
	JEQ  sumRows_ok1
	VZEROUPPER
sumRows_ok1:
	MOVB $1, ret+80(FP)
	RET
sumRows_bad:
	CMPQ R14, $0
	JEQ  sumRows_bad1
	VZEROUPPER
sumRows_bad1:
	MOVB $0, ret+80(FP)
	RET
