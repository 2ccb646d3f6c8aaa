"""launch_testing test of the PickPlace action over a real ROS 2 (run by `colcon test` for jepa_mpc,
or `launch_test launch/test/pick_place_action.test.py`): starts launch/sim_mujoco.launch.py (the
built-in MuJoCo tabletop and the planner with the shipped model) once with gripper_mode:=joint and
once with gripper_mode:=franka (the simulator node serves franka_gripper's Move/Grasp/Homing) and
checks, in order:
1. `jepa-mpc scenario pick-place --episodes 1 --seed 0 --json` through the action picks and places
   the cube (it also writes the episode's goal images into the planner's goal_dir);
2. a PickPlace goal of those files (after a reset to seed 0) ends REACHED, with feedback;
3. a cancel 5 s into a goal, 30 ms into a commanded motion: the result is CANCELLED and the arm's
   commanded twist is zero within one control period of the cancel request (the figure is printed);
4. goals with a bad image (unknown encoding, empty image, a file outside goal_dir) are rejected and
   the node stays up (it accepts the next good goal).

Skipped, with the reason, where franka_msgs is not built (gripper_mode:=franka only).
"""
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest

import launch
import launch.actions
import launch.launch_description_sources
import launch_testing
import launch_testing.actions
import launch_testing.asserts
import pytest
import rclpy
from action_msgs.msg import GoalStatus
from ament_index_python.packages import PackageNotFoundError, get_package_share_directory
from geometry_msgs.msg import TwistStamped
from jepa_mpc_interfaces.action import PickPlace
from rcl_interfaces.msg import Parameter, ParameterType
from rcl_interfaces.srv import SetParameters
from rclpy.action import ActionClient
from rclpy.executors import SingleThreadedExecutor
from sensor_msgs.msg import Image
from std_srvs.srv import Trigger

PLANNER = '/jepa_mpc_planner'
SIM = '/jepa_mpc_sim'
ACTION = f'{PLANNER}/pick_place'
TWIST_TOPIC = '/sim/delta_twist_cmds'
SEED = 0
# The shipped model's control period (models/sim-jepa-ac/manifest.json controlPeriodS).
CONTROL_PERIOD_S = 0.25
CANCEL_AFTER_S = 5.0
# The cancel goes this long after a non-zero twist arrived (inside its control period), within MOTION_WAIT_S.
MID_MOTION_S = 0.03
MOTION_WAIT_S = 10.0
SERVER_WAIT_S = 60.0
GOAL_WAIT_S = 240.0
SCENARIO_TIMEOUT_S = 400.0
# One goal directory per test run: the scenario writes the goal images here, the planner reads them.
GOAL_DIR = tempfile.mkdtemp(prefix='jepa-mpc-goals-')


def _franka_msgs_missing():
    try:
        get_package_share_directory('franka_msgs')
        return False
    except PackageNotFoundError:
        return True


FRANKA_MSGS_MISSING = _franka_msgs_missing()


@pytest.mark.launch_test
@launch_testing.parametrize('gripper_mode', ['joint', 'franka'])
def generate_test_description(gripper_mode):
    share = get_package_share_directory('jepa_mpc')
    stack = launch.actions.IncludeLaunchDescription(
        launch.launch_description_sources.PythonLaunchDescriptionSource(os.path.join(share, 'launch', 'sim_mujoco.launch.py')),
        launch_arguments={'gripper_mode': gripper_mode, 'seed': str(SEED), 'goal_dir': GOAL_DIR}.items(),
    )
    return launch.LaunchDescription([stack, launch_testing.actions.ReadyToTest()]), {'gripper_mode': gripper_mode}


def _cli():
    return ['node', os.path.join(get_package_share_directory('jepa_mpc'), 'dist', 'src', 'cli', 'main.js')]


class TestPickPlaceAction(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rclpy.init()
        cls.node = rclpy.create_node('jepa_mpc_action_test')
        cls.client = ActionClient(cls.node, PickPlace, ACTION)
        cls.twists = []  # (receipt time, is zero, header stamp)
        cls.lock = threading.Lock()
        cls.node.create_subscription(TwistStamped, TWIST_TOPIC, cls._on_twist, 100)
        cls.executor = SingleThreadedExecutor()
        cls.executor.add_node(cls.node)
        cls.spinner = threading.Thread(target=cls.executor.spin, daemon=True)
        cls.spinner.start()

    @classmethod
    def tearDownClass(cls):
        cls.executor.shutdown()
        cls.node.destroy_node()
        rclpy.shutdown()

    @classmethod
    def _on_twist(cls, m):
        zero = all(v == 0.0 for v in (m.twist.linear.x, m.twist.linear.y, m.twist.linear.z,
                                      m.twist.angular.x, m.twist.angular.y, m.twist.angular.z))
        with cls.lock:
            cls.twists.append((time.time(), zero, m.header.stamp.sec + m.header.stamp.nanosec * 1e-9))

    def _skip_without_franka(self, gripper_mode):
        if gripper_mode == 'franka' and FRANKA_MSGS_MISSING:
            self.skipTest('franka_msgs is not built here (franka_ros2); gripper_mode:=franka needs it')

    def _wait(self, future, timeout):
        end = time.time() + timeout
        while not future.done() and time.time() < end:
            time.sleep(0.02)
        self.assertTrue(future.done(), f'no answer within {timeout} s')
        return future.result()

    def _reset(self):
        """Seeds and resets the simulator and clears the planner's goal, as the scenario does per episode."""
        params = self.node.create_client(SetParameters, f'{SIM}/set_parameters')
        self.assertTrue(params.wait_for_service(timeout_sec=SERVER_WAIT_S))
        seed = Parameter(name='seed')
        seed.value.type, seed.value.integer_value = ParameterType.PARAMETER_INTEGER, SEED
        self._wait(params.call_async(SetParameters.Request(parameters=[seed])), 10)
        for name in (f'{SIM}/reset', f'{PLANNER}/clear_goal'):
            client = self.node.create_client(Trigger, name)
            self.assertTrue(client.wait_for_service(timeout_sec=SERVER_WAIT_S), f'{name} did not appear')
            self._wait(client.call_async(Trigger.Request()), 10)
        time.sleep(1.0)

    def _goal_files(self):
        files = sorted(f for f in os.listdir(GOAL_DIR) if f.startswith(f'seed-{SEED}-') and f.endswith('.png'))
        self.assertTrue(files, f'no goal images in {GOAL_DIR} (the scenario writes them)')
        return files

    def _send(self, goal, feedback=None):
        self.assertTrue(self.client.wait_for_server(timeout_sec=SERVER_WAIT_S), f'{ACTION} did not appear')
        return self._wait(self.client.send_goal_async(goal, feedback_callback=feedback), 30)

    def test_1_scenario_through_the_action(self, gripper_mode):
        self._skip_without_franka(gripper_mode)
        run = subprocess.run(_cli() + ['scenario', 'pick-place', '--episodes', '1', '--seed', str(SEED), '--json', '--save-goals', GOAL_DIR],
                             capture_output=True, text=True, timeout=SCENARIO_TIMEOUT_S)
        self.assertEqual(run.returncode, 0, run.stderr[-2000:])
        summary = json.loads(run.stdout)
        print(f'[{gripper_mode}] scenario: {json.dumps(summary)[:600]}', flush=True)
        self.assertIn('PickPlace goal sent', run.stderr, 'the scenario did not use the action')
        self.assertEqual(summary['successRate'], 1.0, summary)

    def test_2_goal_reaches_with_feedback(self, gripper_mode):
        self._skip_without_franka(gripper_mode)
        self._reset()
        feedback = []
        handle = self._send(PickPlace.Goal(file_names=[self._goal_files()[-1]]), feedback.append)
        self.assertTrue(handle.accepted)
        response = self._wait(handle.get_result_async(), GOAL_WAIT_S)
        r = response.result
        print(f'[{gripper_mode}] goal: {r.outcome_name} ({r.message}), {r.steps} steps, {r.elapsed_s:.1f} s, {len(feedback)} feedback', flush=True)
        self.assertEqual(r.outcome, PickPlace.Result.REACHED, r.message)
        self.assertEqual(response.status, GoalStatus.STATUS_SUCCEEDED)
        self.assertGreater(len(feedback), 0)
        last = feedback[-1].feedback
        self.assertGreater(last.subgoal_count, 0)
        self.assertGreater(last.steps, 0)

    def test_3_cancel_stops_the_arm(self, gripper_mode):
        self._skip_without_franka(gripper_mode)
        self._reset()
        handle = self._send(PickPlace.Goal(file_names=[self._goal_files()[-1]]))
        self.assertTrue(handle.accepted)
        time.sleep(CANCEL_AFTER_S)
        # Cancel while a motion is commanded: MID_MOTION_S after the next non-zero twist arrives.
        with self.lock:
            seen = len(self.twists)
        end = time.time() + MOTION_WAIT_S
        moving_before = False
        while not moving_before and time.time() < end:
            time.sleep(0.002)
            with self.lock:
                moving_before = any(not zero for (_, zero, _) in self.twists[seen:])
        time.sleep(MID_MOTION_S)
        t_cancel = time.time()
        cancel = self._wait(handle.cancel_goal_async(), 10)
        t_answer = time.time()
        response = self._wait(handle.get_result_async(), 30)
        time.sleep(4 * CONTROL_PERIOD_S)
        with self.lock:
            after = [(t - t_cancel, zero, stamp) for (t, zero, stamp) in self.twists if t >= t_cancel]
        self.assertTrue(moving_before, 'no motion was commanded before the cancel')
        self.assertEqual(len(cancel.goals_canceling), 1)
        self.assertEqual(response.result.outcome, PickPlace.Result.CANCELLED, response.result.message)
        self.assertEqual(response.status, GoalStatus.STATUS_CANCELED)
        first_zero = next((dt for (dt, zero, _) in after if zero), None)
        self.assertIsNotNone(first_zero, 'no zero twist after the cancel')
        moving_after = [dt for (dt, zero, _) in after if not zero]
        print(f'[{gripper_mode}] cancel: zero twist received {first_zero * 1000:.1f} ms after the cancel request '
              f'(answered in {(t_answer - t_cancel) * 1000:.1f} ms); non-zero twists after it: '
              f'{[round(dt * 1000, 1) for dt in moving_after]} ms', flush=True)
        self.assertLessEqual(first_zero, CONTROL_PERIOD_S)
        self.assertTrue(all(dt <= first_zero for dt in moving_after), 'the arm was commanded to move after the hold')

    def test_4_bad_goals_are_rejected(self, gripper_mode):
        self._skip_without_franka(gripper_mode)
        bad_encoding = Image(width=2, height=2, encoding='yuv422_yuy2_weird', step=6, data=bytes(12))
        empty = Image(width=0, height=0, encoding='rgb8', step=0, data=b'')
        for name, goal in (('unknown encoding', PickPlace.Goal(images=[bad_encoding])),
                           ('empty image', PickPlace.Goal(images=[empty])),
                           ('file outside goal_dir', PickPlace.Goal(file_names=['../../etc/passwd'])),
                           ('no goals', PickPlace.Goal())):
            self.assertFalse(self._send(goal).accepted, f'{name}: accepted')
        handle = self._send(PickPlace.Goal(use_current_frame=True))
        self.assertTrue(handle.accepted, 'the node no longer accepts a good goal')
        self._wait(handle.cancel_goal_async(), 10)
        self._wait(handle.get_result_async(), 30)


@launch_testing.post_shutdown_test()
class TestShutdown(unittest.TestCase):
    def test_exit_codes(self, proc_info):
        launch_testing.asserts.assertExitCodes(proc_info, allowable_exit_codes=[0, -2, -15])
