# A hand-written two-core program: core 0 stages a 4x64 fp16 block from
# external memory into Lx and L0, multiplies it by a 64x64 weight tile and
# applies relu on the SFUs; core 1 only waits at the barrier.
.model arch="rapid-core" fingerprint=0x00000000deadbeef chips=1x1 cores=2
.region name="weights" space=ext offset=0 size=64
.region name="x" space=ext offset=4096 size=512
.tensor input name="x" dtype=fp16 shape=4x64 address=4096 scale=1 zero_point=0
.tensor output name="y" dtype=fp16 shape=4x64 address=8192 scale=1 zero_point=0
.constants address=0 size=64
.data 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
.data 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
.core 0
.dma 0 bits=16 dims=64:2:2,4:128:128
.tile 0 p=64x64x1x1x4x1x1 inp=1,0,0,0,64,0,0 ker=1,64,0,0,0,0,0 out=0,1,0,0,64,0,0
seti a=a1, imm=4096          # x in external memory
seti a=a2, imm=0             # its Lx buffer
loop count=2, body=1
dma path=ext_to_lx, peer=self, desc=0, dst=a2, dst_off=0, src=a1, src_off=0, wait=none, signal=s0
mac dataflow=ws, inp_prec=fp16, ker_prec=fp16, acc_prec=fp32, chunk=0, accumulate=0, tile=0, inp=a2, inp_off=0, ker=a3, ker_off=0, out=a4, out_off=0, wait=s0, signal=s1
setf f=f0, bits=0
sfu op=max, in_prec=fp32, out_prec=fp16, b_mode=scalar, count=256, dst=a5, dst_off=0, a=a4, a_off=0, b=a0, b_off=0, wait=s1, signal=none, group=0
barrier scope=chip, id=0
halt
.core 1
barrier scope=chip, id=0
halt
