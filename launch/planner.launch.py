"""Starts the jepa-mpc planner node.

    ros2 launch jepa_mpc planner.launch.py camera_topic:=/camera/image_raw \
        pose_topic:=/franka_robot_state_broadcaster/current_pose output_mode:=twist

Every launch argument has a default; parameters come from params_file (config/planner.yaml by
default) and are overridden by the model_dir, goal_dir and output_mode arguments.
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def generate_launch_description():
    share = get_package_share_directory('jepa_mpc')
    args = [
        DeclareLaunchArgument('params_file', default_value=os.path.join(share, 'config', 'planner.yaml'),
                              description='ROS 2 parameters file of the planner'),
        DeclareLaunchArgument('model_dir', default_value=os.path.join(share, 'models', 'sim-jepa-ac'),
                              description='World-model folder (manifest.json + ONNX graphs)'),
        DeclareLaunchArgument('goal_dir', default_value=os.path.join(os.getcwd(), 'goals'),
                              description='Folder SetGoal file names are resolved in'),
        DeclareLaunchArgument('output_mode', default_value='twist', description='twist | pose | joint'),
        DeclareLaunchArgument('camera_topic', default_value='/camera/image_raw', description='sensor_msgs/Image input'),
        DeclareLaunchArgument('wrist_camera_topic', default_value='/wrist_camera/image_raw',
                              description="sensor_msgs/Image of the hand camera (read only by models whose views include wrist)"),
        DeclareLaunchArgument('pose_topic', default_value='/franka_robot_state_broadcaster/current_pose',
                              description='geometry_msgs/PoseStamped end-effector pose'),
        DeclareLaunchArgument('joint_states_topic', default_value='/joint_states', description='sensor_msgs/JointState'),
        DeclareLaunchArgument('twist_topic', default_value='/servo_node/delta_twist_cmds',
                              description='TwistStamped output (MoveIt Servo)'),
        DeclareLaunchArgument('pose_target_topic', default_value='/cartesian_impedance_controller/equilibrium_pose',
                              description='PoseStamped output'),
        DeclareLaunchArgument('joint_trajectory_topic', default_value='/fr3_arm_controller/joint_trajectory',
                              description='JointTrajectory output'),
        DeclareLaunchArgument('gripper_command_topic', default_value='/fr3_gripper_controller/commands',
                              description='Finger position command (gripper_mode joint)'),
        DeclareLaunchArgument('namespace', default_value='', description='Node namespace'),
    ]
    node = Node(
        package='jepa_mpc',
        executable='planner_node',
        name='jepa_mpc_planner',
        namespace=LaunchConfiguration('namespace'),
        output='screen',
        parameters=[
            LaunchConfiguration('params_file'),
            {
                'model_dir': LaunchConfiguration('model_dir'),
                'goal_dir': LaunchConfiguration('goal_dir'),
                'output_mode': LaunchConfiguration('output_mode'),
            },
        ],
        remappings=[
            ('image', LaunchConfiguration('camera_topic')),
            ('wrist_image', LaunchConfiguration('wrist_camera_topic')),
            ('current_pose', LaunchConfiguration('pose_topic')),
            ('joint_states', LaunchConfiguration('joint_states_topic')),
            ('delta_twist_cmds', LaunchConfiguration('twist_topic')),
            ('pose_target', LaunchConfiguration('pose_target_topic')),
            ('joint_trajectory', LaunchConfiguration('joint_trajectory_topic')),
            ('gripper_command', LaunchConfiguration('gripper_command_topic')),
        ],
    )
    return LaunchDescription(args + [node])
