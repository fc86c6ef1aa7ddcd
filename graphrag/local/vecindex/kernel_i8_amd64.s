#include "textflag.h"

// func dotsI8AVX2(q *int16, rows *int8, stride, n int, out *int32)
//
// For each of n rows of stride int8 values (stride a multiple of 32), out[i]
// = sum over j of int32(q[j]) * int32(row[j]). Each 16-byte slice of a row
// is sign-extended to sixteen int16 lanes and multiplied pairwise with the
// int16 query by VPMADDWD into eight int32 lanes.
TEXT ·dotsI8AVX2(SB), NOSPLIT, $0-40
	MOVQ q+0(FP), DI
	MOVQ rows+8(FP), SI
	MOVQ stride+16(FP), CX
	MOVQ n+24(FP), DX
	MOVQ out+32(FP), R8
	TESTQ DX, DX
	JZ done

row:
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	XORQ AX, AX          // byte offset into the row
	MOVQ DI, BX          // query cursor (int16: two bytes per element)

chunk:
	VPMOVSXBW (SI)(AX*1), Y2
	VPMOVSXBW 16(SI)(AX*1), Y3
	VPMADDWD (BX), Y2, Y2
	VPMADDWD 32(BX), Y3, Y3
	VPADDD Y2, Y0, Y0
	VPADDD Y3, Y1, Y1
	ADDQ $32, AX
	ADDQ $64, BX
	CMPQ AX, CX
	JB chunk

	VPADDD Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0x4E, X0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0xB1, X0, X1
	VPADDD X1, X0, X0
	VMOVD X0, R9
	MOVL R9, (R8)

	ADDQ CX, SI
	ADDQ $4, R8
	DECQ DX
	JNZ row

done:
	VZEROUPPER
	RET

// func prefetchRows(base *int8, stride int, rows *uint32, n int)
//
// Issues a PREFETCHT0 for every 64-byte line of each listed row, so that
// the rows a graph search is about to score arrive in cache together
// instead of one miss at a time.
TEXT ·prefetchRows(SB), NOSPLIT, $0-32
	MOVQ base+0(FP), SI
	MOVQ stride+8(FP), CX
	MOVQ rows+16(FP), DI
	MOVQ n+24(FP), DX
	TESTQ DX, DX
	JZ pdone

prow:
	MOVL (DI), AX
	IMULQ CX, AX
	LEAQ (SI)(AX*1), BX
	XORQ R8, R8

pline:
	PREFETCHT0 (BX)(R8*1)
	ADDQ $64, R8
	CMPQ R8, CX
	JB pline

	ADDQ $4, DI
	DECQ DX
	JNZ prow

pdone:
	RET
