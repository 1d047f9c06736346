/**
 * Where a run trains: the device asked for ({@link dev.coxswain.trainer.device.DeviceChoice}), the
 * libtorch DJL loaded ({@link dev.coxswain.trainer.device.Libtorch}) and what was chosen from both
 * ({@link dev.coxswain.trainer.device.RunDevice}).
 */
package dev.coxswain.trainer.device;
