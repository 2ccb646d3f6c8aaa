"""The whole stack over ROS 2 without Gazebo: the built-in MuJoCo tabletop as a node plus the
planner node, wired by remappings (camera, pose, joint states in; twist and finger commands out).

    ros2 launch jepa_mpc sim_mujoco.launch.py [output_mode:=twist|pose|joint] [gripper_mode:=joint|franka]
    jepa-mpc scenario pick-place --episodes 10 --seed 0     # seeds and resets the simulator per episode

The simulator's appearance takes eval's perturbations (light_azimuth_deg:=90, camera_jitter_cm:=2
camera_jitter_deg:=2, table_colour:=grey, ...); give the scenario the same flags (--light-azimuth 90,
--camera-jitter 2,2, --table-colour grey) so that its goal images are drawn in the same world.
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue

# The simulator's appearance: eval's perturbation flags (0 / '' = as the shipped models were trained).
APPEARANCE = [
    ('light_azimuth_deg', '0.0', float, 'The light turned about the vertical (deg)'),
    ('light_elevation_deg', '0.0', float, "The light's elevation, 15-90 deg (0 = as trained)"),
    ('light_intensity', '1.0', float, 'Every light scaled by this factor (0.3-2)'),
    ('camera_jitter_cm', '0.0', float, 'The camera moved this far (cm), in a direction drawn per layout seed'),
    ('camera_jitter_deg', '0.0', float, 'The camera turned this far (deg), about an axis drawn per layout seed'),
    ('cube_colour', '', str, "The task cube's colour: red | orange | purple | white ('' = as trained)"),
    ('table_colour', '', str, "The table's colour: wood | grey | white | dark | blue ('' = as trained)"),
    ('distractors', '0', int, 'Distractor cubes on the table (0-2)'),
]


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
    ] + [DeclareLaunchArgument(name, default_value=default, description=text) for name, default, _, text in APPEARANCE]
    sim = Node(
        package='jepa_mpc', executable='sim_node', name='jepa_mpc_sim', output='screen',
        parameters=[{
            'task': LaunchConfiguration('task'),
            'seed': LaunchConfiguration('seed'),
            'image_size': LaunchConfiguration('image_size'),
            'shadows': LaunchConfiguration('shadows'),
            'wrist': LaunchConfiguration('wrist'),
            **{name: ParameterValue(LaunchConfiguration(name), value_type=kind) for name, _, kind, _ in APPEARANCE},
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
