"""Scaling up lesson 06's DCGAN: the same networks and training step as a script for one CPU, one GPU,
several GPUs or several machines (lesson 11, ``notebooks/11_scaling_up.md``).

* ``python -m gan_course.scale.train_torch ...`` -- one process (CPU or one GPU);
  ``torchrun --nproc_per_node=N -m gan_course.scale.train_torch ...`` -- N workers with
  DistributedDataParallel (gloo on CPU, nccl on GPU, chosen automatically); several machines
  through torchrun's rendezvous arguments (``--nnodes``, ``--rdzv_backend=c10d``, ``--rdzv_endpoint``).
* ``python -m gan_course.scale.train_keras ...`` -- the Keras twin with ``tf.distribute.MirroredStrategy``
  over every local GPU (``--logical-cpus 2`` splits the CPU into two devices, for testing), or
  ``MultiWorkerMirroredStrategy`` when ``TF_CONFIG`` describes several machines.

``common`` holds what both scripts share (arguments, data, the learning-rate rule, the cost model);
``syncbn`` a SyncBatchNorm that also works on CPU (PyTorch's own refuses CPU tensors).
``--help`` on either script lists every option; ``gan_course/scale/README.md`` shows the launch commands.

What it is not: a training framework. The networks are ``gan_course.dcgan_torch`` / ``dcgan_keras``, the
step is lesson 04's ``train_step``, the run folder is ``gan_course.runs.Run``; these scripts only add the
distribution, the checkpoints that make a job survive a dead worker, and mixed precision on GPUs.
"""
