// Every field is range-checked by the ISA table; structure errors name the
// op and the reason.
// RUN: rapid-opt %s -split-input-file -verify-diagnostics

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{'dma' field 'dst_off': signed immediate 8388608 is out of range [-8388608, 8388607] (24 bits)}}
    rapid_isa.dma path=ext_to_lx, peer=self, desc=0, dst=a2, dst_off=8388608, src=a1, src_off=0, wait=none, signal=s0
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{'addi' field 'imm': signed immediate 2147483648 is out of range [-2147483648, 2147483647] (32 bits)}}
    rapid_isa.addi a=a1, b=a1, imm=2147483648
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{'addi' field 'a': expected an address register a0-a15, got 'f1'}}
    rapid_isa.addi a=f1, b=a1, imm=0
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{'sfu' field 'op': unknown SFU operation 'tanh'; expected one of mov, add}}
    rapid_isa.sfu op=tanh, in_prec=fp32, out_prec=fp16, b_mode=scalar, count=256, dst=a5, dst_off=0, a=a4, a_off=0, b=a0, b_off=0, wait=s1, signal=none, group=0
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{'sem.wait' has no field 'n'}}
    rapid_isa.sem.wait sem=s1, n=1
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{field 'sem' given twice}}
    rapid_isa.sem.wait sem=s1, sem=s2
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{'sem.wait' field 'sem': expected a semaphore s0-s62 or none, got 's63'}}
    rapid_isa.sem.wait sem=s63, count=1
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{uses dma descriptor 0 but core 0 has 0}}
    rapid_isa.dma path=ext_to_lx, peer=self, desc=0, dst=a2, dst_off=0, src=a1, src_off=0, wait=none, signal=s0
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    rapid_isa.tile_desc 0 p = [1, 1, 1, 1, 1, 1, 1] inp = [0, 0, 0, 0, 0, 0, 0] ker = [0, 0, 0, 0, 0, 0, 0] out = [0, 0, 0, 0, 0, 0, 0]
    // expected-error @+1 {{uses tile descriptor 1 but core 0 has 1}}
    rapid_isa.mac dataflow=os, inp_prec=int4, ker_prec=int4, acc_prec=int8, chunk=0, accumulate=0, tile=1, inp=a2, inp_off=0, ker=a3, ker_off=0, out=a4, out_off=0, wait=none, signal=none
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  // expected-error @+1 {{core 0: the program must end with rapid_isa.halt}}
  rapid_isa.core 0 {
    rapid_isa.nop
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    rapid_isa.nop
    // expected-error @+1 {{must precede the core's instructions}}
    rapid_isa.dma_desc 0 bits = 16 dims = [[4, 2, 2]]
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{has index 1; descriptors are numbered in order, expected 0}}
    rapid_isa.dma_desc 1 bits = 16 dims = [[4, 2, 2]]
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{needs 1 to 4 dimensions}}
    rapid_isa.dma_desc 0 bits = 16 dims = [[4, 2, 2], [1, 0, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0]]
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{element width 12 bits; expected 1, 2, 4, 8, 16 or 32}}
    rapid_isa.dma_desc 0 bits = 12 dims = [[4, 2, 2]]
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{'p' needs 7 values, one per dimension {in, out, oy, ox, mb, ky, kx}; got 4}}
    rapid_isa.tile_desc 0 p = [1, 1, 1, 1] inp = [0, 0, 0, 0, 0, 0, 0] ker = [0, 0, 0, 0, 0, 0, 0] out = [0, 0, 0, 0, 0, 0, 0]
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    rapid_isa.loop count = 2 { rapid_isa.loop count = 2 { rapid_isa.loop count = 2 { rapid_isa.loop count = 2 {
    rapid_isa.loop count = 2 { rapid_isa.loop count = 2 { rapid_isa.loop count = 2 { rapid_isa.loop count = 2 {
      // expected-error @+1 {{nests 9 deep; the hardware allows 8}}
      rapid_isa.loop count = 2 { rapid_isa.nop }
    } } } } } } } }
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{count must be at least 1}}
    rapid_isa.loop count = 0 { rapid_isa.nop }
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{has an empty body}}
    rapid_isa.loop count = 3 { }
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.region @x : ext [0, 64] live [0, 3]
  rapid_isa.core 0 {
    // expected-error @+1 {{names @y, which is not a rapid_isa.region of the program}}
    rapid_isa.seti a=a1, imm=@y
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.region @x : ext [0, 64] live [0, 3]
  rapid_isa.core 0 {
    // expected-error @+1 {{offset 65 lies outside region @x (64 bytes)}}
    rapid_isa.seti a=a1, imm=@x[65]
    rapid_isa.halt
  }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.region @a : lx [0, 512] live [0, 3]
  // expected-error @+1 {{overlaps region @a ([0, 512)) while both are live (steps 3-4 and 0-3)}}
  rapid_isa.region @b : lx [256, 512] live [3, 4]
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  // expected-error @+1 {{[0, 512) exceeds the l0 capacity of 256 bytes}}
  rapid_isa.region @a : l0 [0, 512] live [0, 3]
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  // expected-error @+1 {{unknown memory 'l2'; expected ext, lx or l0}}
  rapid_isa.region @a : l2 [0, 512] live [0, 3]
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  // expected-error @+1 {{live must be [first, last] steps, first <= last}}
  rapid_isa.region @a : lx [0, 512] live [3, 0]
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 2 capacity = [4096, 1024, 256] {
  rapid_isa.core 1 { rapid_isa.halt }
  // expected-error @+1 {{core 1 is programmed twice}}
  rapid_isa.core 1 { rapid_isa.halt }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 2] cores = 2 capacity = [4096, 1024, 256] {
  // expected-error @+1 {{core 4 but the system has 4 cores}}
  rapid_isa.core 4 { rapid_isa.halt }
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  // expected-error @+1 {{unknown precision 'fp8'; expected one of fp32, fp16}}
  rapid_isa.tensor input "x" : fp8 [4] at 0 scale 1.0 zero_point 0
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  // expected-error @+1 {{data must be a tensor<Nxi8> of bytes}}
  rapid_isa.constants address = 0 data = dense<[1, 2]> : tensor<2xi16>
}

// -----

rapid_isa.program arch = "t" fingerprint = 0 chips = [1, 1] cores = 1 capacity = [4096, 1024, 256] {
  rapid_isa.core 0 {
    // expected-error @+1 {{count: unsigned immediate 16777216 is out of range [0, 16777215] (24 bits)}}
    rapid_isa.loop count = 16777216 { rapid_isa.nop }
    rapid_isa.halt
  }
}
