; labels, bpf-to-bpf call, kfunc and helper calls, comments of every kind
r1 = 0
loop:
  r1 += 1            # count
  if r1 > 0x3 goto done
  goto loop
done:
  call sub           // subprogram
  call bpf_arena_alloc_pages
  call 1
  exit
sub:
  r0 = 1
  exit
