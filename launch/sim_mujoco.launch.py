"""The whole stack over ROS 2 without Gazebo: the built-in MuJoCo tabletop as a node plus the
planner node, wired by remappings (camera, pose, joint states in; twist and finger commands out).

    ros2 launch jepa_mpc sim_mujoco.launch.py [output_mode:=twist|pose|joint] [gripper_mode:=joint|franka]
    jepa-mpc scenario pick-place --episodes 10 --seed 0     # seeds and resets the simulator per episode
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
        DeclareLaunchArgument('task', default_value='pick-place', description='reach | grasp | pick-place'),
        DeclareLaunchArgument('seed', default_value='0', description='Layout seed'),
        DeclareLaunchArgument('image_size', default_value='64',
                              description="Camera resolution (the shipped model's own: a larger render shrunk to 64 px looks different)"),
        DeclareLaunchArgument('shadows', default_value='true',
                              description="Draw shadows in the simulator (the shipped model was trained on them: its manifest's simulator.shadows)"),
        DeclareLaunchArgument('wrist', default_value='false',
                              description="Publish the hand camera too (a two-view model: its manifest's encoder.input.views include wrist)"),
        DeclareLaunchArgument('output_mode', default_value='twist',
                              description='How the planner commands the simulated arm: twist | pose | joint (the simulator node executes each exactly once)'),
        DeclareLaunchArgument('gripper_mode', default_value='joint',
                              description='How the planner drives the fingers: joint (finger position topic) | franka '
                                          "(franka_gripper Move/Grasp actions, which the simulator node serves; needs franka_msgs)"),
        DeclareLaunchArgument('params_file', default_value=os.path.join(share, 'config', 'planner.yaml'),
                              description='Planner parameters file'),
        DeclareLaunchArgument('model_dir', default_value=os.path.join(share, 'models', 'sim-jepa-ac'),
                              description='World-model folder'),
        DeclareLaunchArgument('goal_dir', default_value=os.path.join(os.getcwd(), 'goals'),
                              description='Folder SetGoal file names are resolved in'),
    ]
    sim = Node(
        package='jepa_mpc', executable='sim_node', name='jepa_mpc_sim', output='screen',
        parameters=[{
            'task': LaunchConfiguration('task'),
            'seed': LaunchConfiguration('seed'),
            'image_size': LaunchConfiguration('image_size'),
            'shadows': LaunchConfiguration('shadows'),
            'wrist': LaunchConfiguration('wrist'),
        }],
        remappings=[
            ('camera/image_raw', '/sim/camera/image_raw'),
            ('wrist_camera/image_raw', '/sim/wrist_camera/image_raw'),
            ('current_pose', '/sim/current_pose'),
            ('joint_states', '/sim/joint_states'),
            ('cube_pose', '/sim/cube_pose'),
            ('target_pose', '/sim/target_pose'),
            ('delta_twist_cmds', '/sim/delta_twist_cmds'),
            ('pose_target', '/sim/pose_target'),
            ('joint_trajectory', '/sim/joint_trajectory'),
            ('gripper_command', '/sim/gripper_command'),
        ],
    )
    planner = Node(
        package='jepa_mpc', executable='planner_node', name='jepa_mpc_planner', output='screen',
        parameters=[
            LaunchConfiguration('params_file'),
            {
                'model_dir': LaunchConfiguration('model_dir'),
                'goal_dir': LaunchConfiguration('goal_dir'),
                'output_mode': LaunchConfiguration('output_mode'),
                'gripper_mode': LaunchConfiguration('gripper_mode'),
                # The simulator node serves franka_gripper's actions under its default namespace.
                'gripper_namespace': 'franka_gripper',
            },
        ],
        remappings=[
            ('image', '/sim/camera/image_raw'),
            ('wrist_image', '/sim/wrist_camera/image_raw'),
            ('current_pose', '/sim/current_pose'),
            ('joint_states', '/sim/joint_states'),
            ('delta_twist_cmds', '/sim/delta_twist_cmds'),
            ('pose_target', '/sim/pose_target'),
            ('joint_trajectory', '/sim/joint_trajectory'),
            ('gripper_command', '/sim/gripper_command'),
        ],
    )
    return LaunchDescription(args + [sim, planner])
