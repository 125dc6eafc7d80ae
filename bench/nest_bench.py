"""NEST 3 version of the ssnlab spiking benchmark (iaf_psc_delta + noise_generator).

    python bench/nest_bench.py fig2 4000 10       # network, N, simulated seconds
White noise of intensity sigma (mV/sqrt(s)) is a noise_generator current redrawn every
step, with std sigma*sqrt(dt)*C/dt so that each step adds an increment of SD sigma*sqrt(dt)
(independent per target); the mean drive mu (mV/s) is I_e = mu*C/1000.
Prints the wall seconds of nest.Simulate, seconds per simulated second and mean rates.
"""
import sys, time, os
import numpy as np
import nest
from networks import network

name = sys.argv[1] if len(sys.argv) > 1 else "fig2"
n_total = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
sim_s = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
threads = int(os.environ.get("THREADS", "2"))
net = network(name, n_total)
dt = net["dt"]
nest.set_verbosity("M_ERROR")
nest.ResetKernel()
nest.SetKernelStatus({"resolution": dt, "local_num_threads": threads, "rng_seed": 1})
C = 250.0
pops = []
for x in range(2):
    P = nest.Create("iaf_psc_delta", net["n"][x], params={
        "tau_m": net["tau"][x], "C_m": C, "E_L": 0.0, "V_reset": 0.0, "V_th": 1.0,
        "t_ref": dt, "I_e": net["mu"] * C / 1000.0})
    P.V_m = nest.random.uniform(0.0, 1.0)
    pops.append(P)
    sd = net["sigma"] * np.sqrt(dt / 1000.0) * C / dt
    noise = nest.Create("noise_generator", params={"mean": 0.0, "std": sd, "dt": dt})
    nest.Connect(noise, P)
for x in range(2):
    for y in range(2):
        k = int(round(net["p"][x][y] * net["n"][y]))
        w = net["j"][x][y] * (1 if y == 0 else -1)
        nest.Connect(pops[y], pops[x],
                     {"rule": "fixed_indegree", "indegree": k, "allow_autapses": False},
                     {"weight": w, "delay": dt})
recs = []
for P in pops:
    r = nest.Create("spike_recorder")
    nest.Connect(P, r)
    recs.append(r)
t0 = time.time()
nest.Simulate(sim_s * 1000.0)
wall = time.time() - t0
rates = [r.n_events / (len(P) * sim_s) for r, P in zip(recs, pops)]
print(f"nest {name} N={n_total} threads={threads}: {wall:.2f} s for {sim_s} s "
      f"({wall / sim_s:.3f} s per simulated s), rates {rates[0]:.3f} {rates[1]:.3f} Hz")
