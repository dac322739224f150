"""C sources of the special functions the C dialect renders as helpers: the inverse error
functions, digamma and trigamma, in double precision with SciPy's meaning at every special
value (the reference is SciPy: erfinv, erfcinv, psi, polygamma(1, x)).

Each source is guarded, so a kernel whose helpers need the same function twice (a float32
and a float64 variant) defines it once. float32 variants compute in double and round once,
as SciPy's float32 loops of psi, erfcinv and polygamma do.
"""
from __future__ import annotations

__all__ = ["DIGAMMA", "ERF_INVERSES", "TRIGAMMA"]

#: erfinv and erfcinv: Winitzki's closed-form guess (relative error under 2e-3), then Halley
#: steps on a residual that is exact where it is taken: erf(x) - p near 0 (p = 1 - z is exact
#: there), erfc(x) - q in the tails, and log erfc(x) - log q (its asymptotic series) once q
#: is subnormal and erfc(x) would lose its digits.
ERF_INVERSES = r"""
#ifndef THEANO_C_ERF_INVERSES
#define THEANO_C_ERF_INVERSES
static inline double theano_erfinv_guess(double w) {
  /* Winitzki: erfinv(y) ~ sqrt(sqrt(t^2 - w/a) - t), t = 2/(pi a) + w/2, w = log(1 - y^2) */
  const double a = 0.147;
  const double t = 2.0 / (3.14159265358979323846 * a) + 0.5 * w;
  return sqrt(sqrt(t * t - w / a) - t);
}
static inline double theano_erfinv_small(double p) {
  /* x with erf(x) = p, |p| <= 0.5 */
  const double c = 1.12837916709551257390; /* 2 / sqrt(pi) */
  if (fabs(p) < 1e-8) return p / c * (1.0 + 0.26179938779914943654 * p * p);  /* pi/12 */
  double x = copysign(theano_erfinv_guess(log1p(-p * p)), p);
  for (int k = 0; k < 6; ++k) {
    const double u = (erf(x) - p) / (c * exp(-x * x));
    const double dx = u / (1.0 + x * u);
    x -= dx;
    if (fabs(dx) <= 1e-17 * fabs(x)) break;
  }
  return x;
}
static inline double theano_erfcinv_tail(double q) {
  /* x >= 0.47 with erfc(x) = q, 0 < q <= 0.5 */
  const double c = 1.12837916709551257390;
  double x = theano_erfinv_guess(log(q * (2.0 - q)));
  if (q >= 2.2250738585072014e-308) {
    for (int k = 0; k < 8; ++k) {
      const double u = (q - erfc(x)) / (c * exp(-x * x));
      const double dx = u / (1.0 + x * u);
      x -= dx;
      if (fabs(dx) <= 1e-17 * x) break;
    }
    return x;
  }
  /* subnormal q (x > 26.5): Newton on log erfc(x) = -x^2 - log(x sqrt(pi)) + log(series) */
  const double lq = log(q);
  for (int k = 0; k < 12; ++k) {
    const double r = 1.0 / (2.0 * x * x);
    const double series = 1.0 - r * (1.0 - 3.0 * r * (1.0 - 5.0 * r * (1.0 - 7.0 * r)));
    const double f = -x * x - log(x) - 0.57236494292470008707 + log(series) - lq; /* log sqrt(pi) */
    const double dx = f / (2.0 * x + 1.0 / x);
    x += dx;
    if (fabs(dx) <= 1e-17 * x) break;
  }
  return x;
}
static inline double theano_erfinv_f64(double y) {
  if (y != y || fabs(y) > 1.0) return NAN;
  if (y == 1.0) return INFINITY;
  if (y == -1.0) return -INFINITY;
  if (y == 0.0) return 0.0;
  if (fabs(y) <= 0.5) return theano_erfinv_small(y);
  return copysign(theano_erfcinv_tail(1.0 - fabs(y)), y);
}
static inline double theano_erfcinv_f64(double z) {
  if (z != z || z < 0.0 || z > 2.0) return NAN;
  /* SciPy's erfcinv is -ndtri(z/2)/sqrt(2): z/2 underflowing to 0 gives inf */
  if (0.5 * z == 0.0) return INFINITY;
  if (z == 2.0) return -INFINITY;
  if (z < 2.2250738585072014e-308) z = 2.0 * (0.5 * z);  /* z/2 rounded, as SciPy sees it */
  if (z == 1.0) return -0.0;
  if (z >= 0.5 && z <= 1.5) return theano_erfinv_small(1.0 - z);
  if (z < 0.5) return theano_erfcinv_tail(z);
  return -theano_erfcinv_tail(2.0 - z);
}
#endif
"""

#: digamma: -1/x at zeros of both signs, NaN at the poles (negative integers) and -inf,
#: reflection for negative x, the series about its root on [1, 2] (the recurrence moves
#: x < 10 there), the asymptotic series from 10.
DIGAMMA = r"""
#ifndef THEANO_C_DIGAMMA
#define THEANO_C_DIGAMMA
/* psi on [1, 2]: the Taylor series about its root x0 = 1.46163... (x0 as a double plus its
   remainder), coefficients (-1)^(n+1) zeta(n + 1, x0), n = 1..42, exact to double precision
   for |x - x0| <= 0.54; psi's sign change there defeats sums of larger terms */
static const double theano_psi_root_series[42] = {
  0.9676722454476212, -0.4427631689835921, 0.258499760955651, -0.16394270544240652,
  0.10782405069126237, -0.07219956125645471, 0.04880428816414311, -0.03316112647484736,
  0.022597648232218104, -0.01542476590494896, 0.010538791616612175, -0.007204534386356869,
  0.004926781395729853, -0.003369801655439328, 0.002305126326734928, -0.0015769367714301972,
  0.0010788252019162967, -0.0007380709389960052, 0.000504953265834602, -0.0003454680251063077,
  0.00023635601564027053, -0.00016170622091974803, 0.0001106337276874741, -7.569179582195066e-05,
  5.178575795222081e-05, -3.5430070947659604e-05, 2.424006611860132e-05, -1.6584242271854135e-05,
  1.134638458466385e-05, -7.762817668462094e-06, 5.3110609208898636e-06, -3.6336507898010456e-06,
  2.486022733129538e-06, -1.7008538854332607e-06, 1.1636675363548843e-06, -7.96142543124197e-07,
  5.446941930669446e-07, -3.7266161283438227e-07, 2.549626552021554e-07, -1.7443695117727745e-07,
  1.1934394829830244e-07, -8.165115189488409e-08};
static inline double theano_psi_1_2(double x) {
  const double d = (x - 1.4616321449683622) - 9.549995429965697e-17;
  double acc = 0.0;
  for (int k = 41; k >= 0; --k) acc = acc * d + theano_psi_root_series[k];
  return acc * d;
}
static inline double theano_psi_positive(double x) {
  /* below 10: moved into [1, 2] by psi(x + 1) = psi(x) + 1/x (each added term has psi's
     sign there, so nothing cancels); above: the asymptotic series */
  if (x < 1.0) return theano_psi_1_2(x + 1.0) - 1.0 / x;
  if (x < 10.0) {
    double acc = 0.0;
    while (x > 2.0) { x -= 1.0; acc += 1.0 / x; }
    return theano_psi_1_2(x) + acc;
  }
  const double r = 1.0 / (x * x);
  const double tail = r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132
                      - r * (691.0 / 32760 - r * (1.0 / 12)))))));
  return log(x) - 0.5 / x - tail;
}
static inline double theano_psi_f64(double x) {
  if (x != x || x == INFINITY) return x;
  if (x == 0.0) return -1.0 / x;
  if (fabs(x) < 1e-9) return -1.0 / x - 0.57721566490153286061;  /* Euler's gamma */
  if (x > 0.0) return theano_psi_positive(x);
  if (x == floor(x)) return NAN;  /* the poles, -inf included */
  /* psi(x) = psi(1 - x) - pi / tan(pi x), tan taken on x - round(x), which is exact */
  const double s = x - round(x);
  return theano_psi_positive(1.0 - x) - 3.14159265358979323846 / tan(3.14159265358979323846 * s);
}
#endif
"""

#: trigamma as SciPy's polygamma(1, x), that is the Hurwitz zeta(2, x): inf at the poles
#: (zero and the negative integers, -inf included), 0 at +inf, reflection for negative x,
#: the recurrence up to x >= 12, then the asymptotic series.
TRIGAMMA = r"""
#ifndef THEANO_C_TRIGAMMA
#define THEANO_C_TRIGAMMA
static inline double theano_trigamma_positive(double x) {
  double acc = 0.0;
  while (x < 12.0) { acc += 1.0 / (x * x); x += 1.0; }
  const double r = 1.0 / (x * x);
  const double tail = r * (1.0 / 6 - r * (1.0 / 30 - r * (1.0 / 42 - r * (1.0 / 30 - r * (5.0 / 66
                      - r * (691.0 / 2730 - r * (7.0 / 6)))))));
  return acc + (1.0 + 0.5 / x + tail) / x;
}
static inline double theano_trigamma_f64(double x) {
  if (x != x) return x;
  if (x == INFINITY) return 0.0;
  if (x <= 0.0 && x == floor(x)) return INFINITY;
  if (x > 0.0) return theano_trigamma_positive(x);
  /* psi1(x) = pi^2 / sin^2(pi x) - psi1(1 - x), sin taken on x - round(x), which is exact */
  const double s = x - round(x);
  const double sn = sin(3.14159265358979323846 * s);
  return 9.86960440108935861883 / (sn * sn) - theano_trigamma_positive(1.0 - x);
}
#endif
"""
