"""launch_testing test of the planner node against a real ROS 2 (run by `colcon test` for
jepa_mpc, or `launch_test launch/test/planner_node.test.py`): starts the node with the test
world model, feeds camera frames and poses, sets the current frame as the goal through the
service, and expects TwistStamped commands and PlannerStatus messages to flow."""
import os
import time
import unittest

import launch
import launch_ros.actions
import launch_testing.actions
import pytest
import rclpy
from ament_index_python.packages import get_package_share_directory
from geometry_msgs.msg import PoseStamped, TwistStamped
from jepa_mpc_interfaces.msg import PlannerStatus
from jepa_mpc_interfaces.srv import SetGoal
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image

TIMEOUT_S = 60.0


@pytest.mark.launch_test
def generate_test_description():
    share = get_package_share_directory('jepa_mpc')
    node = launch_ros.actions.Node(
        package='jepa_mpc', executable='planner_node', name='jepa_mpc_planner', output='screen',
        parameters=[{
            'model_dir': os.path.join(share, 'models', 'test-tiny'),
            'samples': 64, 'iterations': 3, 'elites': 8,
            'gripper_mode': 'none',
        }],
        remappings=[('image', '/test/image'), ('current_pose', '/test/pose'), ('delta_twist_cmds', '/test/twist')],
    )
    return launch.LaunchDescription([node, launch_testing.actions.ReadyToTest()])


class TestPlannerNode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rclpy.init()
        cls.node = rclpy.create_node('jepa_mpc_test_client')

    @classmethod
    def tearDownClass(cls):
        cls.node.destroy_node()
        rclpy.shutdown()

    def _frame(self, stamp):
        img = Image()
        img.header.stamp = stamp
        img.header.frame_id = 'camera'
        img.width, img.height, img.encoding = 64, 48, 'rgb8'
        img.step = 64 * 3
        img.data = bytes((i * 7) % 251 for i in range(64 * 48 * 3))
        return img

    def _pose(self, stamp):
        p = PoseStamped()
        p.header.stamp = stamp
        p.header.frame_id = 'fr3_link0'
        p.pose.position.x, p.pose.position.y, p.pose.position.z = 0.5, 0.0, 0.3
        p.pose.orientation.x, p.pose.orientation.w = 1.0, 0.0
        return p

    def test_goal_service_and_commands(self):
        image_pub = self.node.create_publisher(Image, '/test/image', qos_profile_sensor_data)
        pose_pub = self.node.create_publisher(PoseStamped, '/test/pose', qos_profile_sensor_data)
        twists, statuses = [], []
        self.node.create_subscription(TwistStamped, '/test/twist', twists.append, 10)
        self.node.create_subscription(PlannerStatus, '/jepa_mpc_planner/status', statuses.append, 10)
        client = self.node.create_client(SetGoal, '/jepa_mpc_planner/set_goal')
        self.assertTrue(client.wait_for_service(timeout_sec=TIMEOUT_S), 'set_goal service did not appear')

        def feed(seconds):
            end = time.time() + seconds
            while time.time() < end:
                now = self.node.get_clock().now().to_msg()
                image_pub.publish(self._frame(now))
                pose_pub.publish(self._pose(now))
                rclpy.spin_once(self.node, timeout_sec=0.05)

        feed(2.0)
        request = SetGoal.Request()
        request.use_current_frame = True
        future = client.call_async(request)
        end = time.time() + TIMEOUT_S
        while not future.done() and time.time() < end:
            feed(0.1)
        self.assertTrue(future.done(), 'set_goal did not answer')
        self.assertTrue(future.result().accepted, future.result().message)

        feed(5.0)
        codes = {s.code_name for s in statuses}
        self.assertTrue(codes & {'OK', 'ACTION_CLAMPED'}, f'no successful plan in statuses: {codes}')
        self.assertGreater(len(twists), 0, 'no TwistStamped commands')
        self.assertEqual(twists[-1].header.frame_id, 'fr3_link0')
        self.assertTrue(any(s.step >= 1 for s in statuses))
