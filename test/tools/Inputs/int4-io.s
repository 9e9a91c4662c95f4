# An int4 input (8 elements packed in 4 bytes) moved to Lx by a DMA of
# 4-bit elements, converted to fp32 on the SFUs, written out. The .model
# line comes from a compiled model (rapid-core's fingerprint).
.region name="x" space=ext offset=0 size=4
.region name="y" space=ext offset=64 size=32
.tensor input name="x" dtype=int4 shape=8 address=0 scale=1.0 zero_point=0
.tensor output name="y" dtype=fp32 shape=8 address=64 scale=1.0 zero_point=0
.constants address=0 size=0
.core 0
.dma 0 bits=4 dims=8:1:1
.dma 1 bits=32 dims=8:4:4
seti a=a1, imm=0
seti a=a2, imm=64
dma path=ext_to_lx, peer=self, desc=0, dst=a1, dst_off=0, src=a1, src_off=0, wait=none, signal=s0
sem.wait sem=s0, count=1
sfu op=mov, in_prec=int4, out_prec=fp32, b_mode=vector, count=8, dst=a2, dst_off=0, a=a1, a_off=0, b=a0, b_off=0, wait=none, signal=s0, group=0
sem.wait sem=s0, count=1
dma path=lx_to_ext, peer=self, desc=1, dst=a2, dst_off=0, src=a2, src_off=0, wait=none, signal=s0
sem.wait sem=s0, count=1
halt
