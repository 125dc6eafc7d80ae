"""Networks shared by the Brian2 and NEST comparison scripts (paper units: mV, ms, mV/s).

fig2:  the supersaturating network of Ekelmans et al. 2023 (Table B), N = 4000, delta
       synapses, mu = 19 mV/s (r = 1), sigma = 3 mV/sqrt(s), dt = 0.05 ms.
dense: N = 4000 (80/20), p = 0.2 everywhere, j = [[0.01, 0.06], [0.015, 0.06]] mV,
       tau = 20 / 10 ms, mu = 30 mV/s, sigma = 3 mV/sqrt(s), dt = 0.1 ms
       (about 7 Hz E and 5.6 Hz I).
Both scale to any N with fixed p (so K grows with N) and fixed j.
"""
import numpy as np

def network(name, n_total=4000):
    if name == "fig2":
        ne = int(round(0.75 * n_total))
        p = [[0.065, 0.2], [0.275, 0.1]]
        j = [[2 / 195, 0.06], [6 / 825, 0.01]]
        return dict(n=[ne, n_total - ne], p=p, j=j, tau=[20.0, 10.0], mu=19.0, sigma=3.0, dt=0.05)
    if name == "dense":
        ne = int(round(0.8 * n_total))
        return dict(n=[ne, n_total - ne], p=[[0.2, 0.2], [0.2, 0.2]],
                    j=[[0.01, 0.06], [0.015, 0.06]], tau=[20.0, 10.0], mu=30.0, sigma=3.0, dt=0.1)
    raise ValueError(name)

def fixed_indegree(n_pre, n_post, k, same, rng):
    """Sources and targets with exactly k distinct sources per target, no autapses."""
    pre = np.empty(n_post * k, dtype=np.int32)
    for i in range(n_post):
        if same:
            s = rng.choice(n_pre - 1, size=k, replace=False)
            s[s >= i] += 1
        else:
            s = rng.choice(n_pre, size=k, replace=False)
        pre[i * k:(i + 1) * k] = s
    post = np.repeat(np.arange(n_post, dtype=np.int32), k)
    return pre, post
