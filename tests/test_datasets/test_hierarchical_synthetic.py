import numpy as np
import pytest

from mmkd.datasets import make_hierarchical_classification


def class_means(x, y):
    return np.stack([x[y == c].mean(0) for c in np.unique(y)])


@pytest.mark.parametrize('rho', [0.0, 0.5, 0.8])
def test_class_means_correlate_within_superclasses(rho):
    x, y = make_hierarchical_classification(num_superclasses=3, classes_per_superclass=4, dim=400,
                                            correlation=rho, samples_per_class=50, noise=0.1)
    assert x.shape == (600, 400) and x.dtype == np.float32 and np.bincount(y).tolist() == [50] * 12
    m = class_means(x, y)
    corr = np.corrcoef(m)
    same = [corr[i, j] for i in range(12) for j in range(12) if i != j and i // 4 == j // 4]
    other = [corr[i, j] for i in range(12) for j in range(12) if i // 4 != j // 4]
    assert abs(np.mean(same) - rho) < 0.15 and abs(np.mean(other)) < 0.15


def test_splits_share_means_and_are_reproducible():
    kw = dict(correlation=0.5, samples_per_class=400, means_seed=7)
    a, ya = make_hierarchical_classification(seed=1, **kw)
    b, yb = make_hierarchical_classification(seed=2, **kw)
    again, _ = make_hierarchical_classification(seed=1, **kw)
    assert np.array_equal(a, again) and not np.array_equal(a, b)
    np.testing.assert_allclose(class_means(a, ya), class_means(b, yb), atol=0.3)
    with pytest.raises(ValueError, match='correlation'):
        make_hierarchical_classification(correlation=1.0)


def test_siblings_get_closer_while_mean_norms_stay():
    dists, norms = [], []
    for rho in (0.0, 0.5, 0.9):
        x, y = make_hierarchical_classification(num_superclasses=2, classes_per_superclass=3,
                                                dim=2000, correlation=rho,
                                                samples_per_class=20, noise=0.01)
        m = class_means(x, y)
        dists.append(np.mean([((m[i] - m[j]) ** 2).sum() for i in range(3) for j in range(i)]))
        norms.append(np.mean((m ** 2).sum(1)))
        assert dists[-1] == pytest.approx(2 * 2000 * (1 - rho), rel=0.15)
    assert dists[0] > dists[1] > dists[2]
    assert np.allclose(norms, 2000, rtol=0.15)
