"""use_threads sets torch's thread count and the loaded OpenBLAS's (Debian's torch calls OpenBLAS
for its matrix products, and OpenBLAS keeps its own pool)."""

import unittest

import torch

from models.jepa_ac.threads import blas_libraries, blas_threads, use_threads


class UseThreadsTest(unittest.TestCase):
    def setUp(self):
        self.torch_before = torch.get_num_threads()

    def tearDown(self):
        use_threads(self.torch_before)

    def test_sets_torch_and_openblas(self):
        counts = use_threads(1)
        self.assertEqual(torch.get_num_threads(), 1)
        if not blas_libraries():
            self.skipTest("torch here does not call OpenBLAS")
        self.assertTrue(counts)
        self.assertEqual(set(counts.values()), {1})
        use_threads(2)
        self.assertEqual(set(blas_threads().values()), {2})

    def test_rejects_zero(self):
        with self.assertRaises(ValueError):
            use_threads(0)


if __name__ == "__main__":
    unittest.main()
